import { errorMessage } from "../../../shared/error-message.js";
import { constants as osConstants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { Client, ClientChannel, SFTPWrapper, Stats } from "ssh2";
import type { SshCommunicatorConfig } from "../../../shared/components/communicator/ssh.js";
import type { BuildUi } from "../../runner/ui.js";
import { DisconnectedError, type Communicator, type RemoteCommand, type RemoteFileOps } from "../types.js";
import { openSshClient, type SshConnectOptions } from "./connect.js";
import { SshAbortedError } from "./errors.js";
import { downloadDirectory, downloadStream, uploadDirectory, uploadStream } from "./sftp-transfer.js";

/**
 * Cancelling a command escalates, each stage with its own deadline, so a cancel always ends
 * however the server (or the network to it) behaves: TERM to the remote process group, KILL,
 * close the channel, drop the whole connection, and finally reject the run regardless.
 */
export const CANCEL_DEADLINES_MS = {
  /** After TERM, before KILL. */
  term: 2_000,
  /** After KILL, before closing the channel. */
  kill: 2_000,
  /** After closing the channel, before destroying the connection (sshd holds a channel open while its process lives). */
  channelClose: 1_000,
  /** After destroying the connection, before rejecting without its close event. */
  connectionClose: 500,
} as const;

/** The whole escalation: the longest a cancelled run can take to reject once its command has started. */
export const CANCEL_WORST_CASE_MS = Object.values(CANCEL_DEADLINES_MS).reduce((a, b) => a + b, 0);

/**
 * Packer's SSH communicator on ssh2: one authenticated connection, a session per command, SFTP
 * for files. If the connection drops (a reboot), the next call reconnects once, as Packer does;
 * retrying longer is the provisioner's business (`start_retry_timeout`).
 */
export class SshCommunicator implements Communicator {
  private client: Client | undefined;
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private closed = false;

  private constructor(
    private readonly cfg: SshCommunicatorConfig,
    private readonly options: SshConnectOptions,
  ) {}

  /** Waits for the machine's sshd as Packer does (`ssh_timeout`, `ssh_handshake_attempts`) and connects. */
  static async connect(cfg: SshCommunicatorConfig, options: SshConnectOptions = {}): Promise<SshCommunicator> {
    // Reconnects open their own connections: the handed-over one is for this first attempt.
    const comm = new SshCommunicator(cfg, { ...options, firstSocket: undefined });
    comm.adopt(await openSshClient(cfg, options));
    return comm;
  }

  get address(): string {
    return `${this.cfg.host}:${this.cfg.port}`;
  }

  async run(cmd: RemoteCommand, signal?: AbortSignal): Promise<number> {
    const aborted = (): SshAbortedError => new SshAbortedError(`running "${cmd.command}"`);
    if (signal?.aborted) throw aborted();
    const client = await this.connection(signal);
    if (signal?.aborted) throw aborted();
    return new Promise<number>((resolve, reject) => {
      // A cancel may come while the exec request is in flight: the command may already run on the
      // server, but there is no channel to signal yet. Wait for it (watch() then escalates at once),
      // but not forever: a server that never answers costs us the connection, not the caller's time.
      let started = false;
      let giveUp: NodeJS.Timeout | undefined;
      const onAbortBeforeStart = (): void => {
        giveUp = setTimeout(() => {
          if (started) return;
          client.destroy();
          reject(aborted());
        }, CANCEL_WORST_CASE_MS);
      };
      signal?.addEventListener("abort", onAbortBeforeStart, { once: true });
      const pty = this.cfg.pty ? { term: "xterm", rows: 40, cols: 80 } : false;
      client.exec(cmd.command, { pty }, (err, channel) => {
        started = true;
        clearTimeout(giveUp);
        signal?.removeEventListener("abort", onAbortBeforeStart);
        // Not started at all: the caller may retry (unlike a drop mid-command).
        if (err) reject(signal?.aborted ? aborted() : new Error(`ssh: could not start a command on ${this.address}: ${err.message}`));
        // Listen right away, in this callback: output, exit status and close may already sit in
        // the same TCP read as the channel confirmation and be emitted before any await resumes.
        else this.watch(client, channel, cmd, signal).then(resolve, reject);
      });
    });
  }

  private watch(client: Client, channel: ClientChannel, cmd: RemoteCommand, signal?: AbortSignal): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let exit: { code: number } | undefined;
      let aborted = false;
      let timedOut = false;
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const out = new StringDecoder("utf8");
      const err = new StringDecoder("utf8");

      const settle = (): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        client.removeListener("close", onConnectionClosed);
        timers.forEach(clearTimeout);
        const restOut = out.end();
        const restErr = err.end();
        if (restOut) cmd.onStdout?.(restOut);
        if (restErr) cmd.onStderr?.(restErr);
        if (aborted) reject(new SshAbortedError(`running "${cmd.command}"`));
        else if (exit) resolve(exit.code);
        else if (timedOut) reject(new DisconnectedError(`ssh_read_write_timeout (${this.cfg.readWriteTimeoutMs / 1000}s) elapsed while the command was running on ${this.address}`));
        else reject(new DisconnectedError(`remote end ${this.address} disconnected while the command was running`));
      };
      const onConnectionClosed = (): void => settle();
      const onAbort = (): void => {
        if (aborted || settled) return;
        aborted = true;
        // OpenSSH (7.9 and later) delivers a "signal" request to the session's whole process
        // group (killpg), so children of the command stop too. A server that ignores it, or a
        // network that stopped carrying anything, is why each later stage has its own deadline.
        const { term, kill, channelClose, connectionClose } = CANCEL_DEADLINES_MS;
        sendSignal(channel, "TERM");
        const at = (ms: number, stage: () => void): void => void timers.push(setTimeout(stage, ms));
        at(term, () => sendSignal(channel, "KILL"));
        at(term + kill, () => channel.close());
        // sshd keeps a session channel until its process exits: still open means the process
        // lives on and the connection is stuck with it. Drop it; the next command reconnects.
        at(term + kill + channelClose, () => client.destroy());
        at(term + kill + channelClose + connectionClose, settle);
      };

      channel.on("data", (chunk: Buffer) => {
        const s = out.write(chunk);
        if (s) cmd.onStdout?.(s);
      });
      channel.stderr.on("data", (chunk: Buffer) => {
        const s = err.write(chunk);
        if (s) cmd.onStderr?.(s);
      });
      channel.on("exit", (code: number | null, signalName?: string) => {
        // As Go's ssh package: a process killed by a signal reports 128 + its number.
        exit = { code: code ?? 128 + signalNumber(signalName) };
      });
      channel.once("close", settle);
      client.once("close", onConnectionClosed);
      // Aborted while the exec request was in flight: the listener below would never fire.
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      if (this.cfg.readWriteTimeoutMs > 0) {
        timers.push(
          setTimeout(() => {
            timedOut = true;
            client.destroy();
          }, this.cfg.readWriteTimeoutMs),
        );
      }
      if (cmd.stdin) cmd.stdin.pipe(channel);
      else channel.end();
    });
  }

  async upload(remotePath: string, content: Readable | Buffer, options?: { mode?: number }): Promise<void> {
    await this.transfer(`upload to ${remotePath}`, (sftp) => uploadStream(sftp, remotePath, content, options?.mode));
  }

  async uploadDir(remoteDir: string, localDir: string): Promise<void> {
    await this.transfer(`upload of ${localDir} to ${remoteDir}`, (sftp) => uploadDirectory(sftp, remoteDir, localDir));
  }

  /** Writes the remote file into `sink` and ends it. */
  async download(remotePath: string, sink: Writable): Promise<void> {
    await this.transfer(`download of ${remotePath}`, (sftp) => downloadStream(sftp, remotePath, sink));
  }

  async downloadDir(remoteDir: string, localDir: string): Promise<void> {
    await this.transfer(`download of ${remoteDir} to ${localDir}`, (sftp) => downloadDirectory(sftp, remoteDir, localDir));
  }

  /** Metadata over the connection's SFTP session (one request each, no channel per question). */
  readonly files: RemoteFileOps = {
    stat: async (path, followLinks) => {
      const client = await this.connection();
      const sftp = await this.sftp(client);
      return new Promise((resolve, reject) => {
        const done = (err: (Error & { code?: number }) | undefined, s?: Stats): void => {
          if (err) return err.code === 2 ? resolve(undefined) : reject(err); // 2: SSH_FX_NO_SUCH_FILE
          resolve({ mode: s!.mode, size: s!.size, uid: s!.uid, gid: s!.gid, atime: s!.atime, mtime: s!.mtime });
        };
        if (followLinks) sftp.stat(path, done);
        else sftp.lstat(path, done);
      });
    },
    realpath: async (path) => {
      const sftp = await this.sftp(await this.connection());
      return new Promise((resolve, reject) => sftp.realpath(path, (err, real) => (err ? reject(err) : resolve(real))));
    },
    chmod: async (path, mode) => {
      const sftp = await this.sftp(await this.connection());
      await new Promise<void>((resolve, reject) => sftp.chmod(path, mode, (err) => (err ? reject(err) : resolve())));
    },
  };

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.sftpSession = undefined;
    if (!client) return;
    await new Promise<void>((resolve) => {
      client.once("close", () => resolve());
      client.end();
      setTimeout(() => {
        client.destroy();
        resolve();
      }, 2_000).unref();
    });
  }

  private async transfer(what: string, fn: (sftp: SFTPWrapper) => Promise<void>): Promise<void> {
    const client = await this.connection();
    try {
      await fn(await this.sftp(client));
    } catch (e) {
      throw new Error(`ssh: ${what} on ${this.address} failed: ${describeSftpError(e)}`, { cause: e });
    }
  }

  private sftp(client: Client): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise<SFTPWrapper>((resolve, reject) => {
      client.sftp((err, sftp) => {
        if (err) {
          this.sftpSession = undefined;
          reject(new Error(`could not start the SFTP subsystem (is sftp-server installed on the machine?): ${err.message}`));
          return;
        }
        sftp.once("close", () => {
          if (this.client === client) this.sftpSession = undefined;
        });
        resolve(sftp);
      });
    });
    return this.sftpSession;
  }

  /** The live connection, reconnecting once if the last one dropped. */
  private async connection(signal?: AbortSignal): Promise<Client> {
    if (this.closed) throw new Error(`ssh: the communicator for ${this.address} is closed`);
    if (this.client) return this.client;
    // Packer reconnects without a word in the build's output (an expect_disconnect script's
    // reboot would otherwise show a line Packer never prints).
    this.adopt(await openSshClient(this.cfg, { ...this.options, signal: signal ?? this.options.signal, once: true }));
    return this.client!;
  }

  private adopt(client: Client): void {
    this.client = client;
    this.sftpSession = undefined;
    const forget = (): void => {
      if (this.client === client) {
        this.client = undefined;
        this.sftpSession = undefined;
      }
    };
    client.on("error", () => forget()); // details surface through the command or transfer that was running
    client.once("close", forget);
    client.once("end", forget);
  }
}

function signalNumber(name: string | undefined): number {
  if (!name) return 0;
  const n = (osConstants.signals as Record<string, number>)[name.startsWith("SIG") ? name : `SIG${name}`];
  return n ?? 0;
}

/** The parts of ssh2's channel internals `sendSignal` needs (not in its typings). */
interface ChannelInternals {
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { signal?: (channelId: number, name: string) => void } };
}

/**
 * ssh2's `channel.signal()` is a no-op once we have sent EOF on stdin (the channel is no longer
 * "writable"), yet a command without stdin gets EOF right away, as in Packer. The SSH protocol
 * allows signal requests until the channel closes, so send it on the open channel ourselves.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  if (channel.writable) {
    channel.signal(name);
    return;
  }
  const internals = channel as unknown as ChannelInternals;
  const id = internals.outgoing?.id;
  const state = internals.outgoing?.state;
  if (id !== undefined && (state === "open" || state === "eof")) internals._client?._protocol?.signal?.(id, name);
}

function describeSftpError(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const message = errorMessage(e);
  if (code === 2) return `${message} (no such file or directory; do the parent folders exist?)`;
  if (code === 3) return `${message} (permission denied for this ssh_username)`;
  if (code === 4 && /open|create/i.test(message)) return `${message}; this can occur when the destination is a folder without a trailing slash`;
  return message;
}

/** What builders call (StepConnect): connect, reporting retries under the build's current step. */
export function connectSsh(
  cfg: SshCommunicatorConfig,
  options: SshConnectOptions & { ui?: Pick<BuildUi, "message"> } = {},
): Promise<SshCommunicator> {
  const { ui, ...rest } = options;
  return SshCommunicator.connect(cfg, { ...rest, log: rest.log ?? (ui ? (line) => ui.message(line) : undefined) });
}
