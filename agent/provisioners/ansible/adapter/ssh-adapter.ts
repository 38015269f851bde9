/**
 * The proxy between ansible-playbook and the machine being built (Packer's adapter, use_proxy):
 * an SSH server on a loopback port, with an ed25519 host key made for this run (or
 * ssh_host_key_file), that lets in only the key made for this run (or ssh_authorized_key_file)
 * and relays each session to the build's communicator — commands run with their stdin, stdout,
 * stderr and exit status; the SFTP subsystem and legacy `scp -t/-f` are served over the
 * communicator's file transfer. So Ansible works against any communicator (ssh, docker) with
 * OpenSSH 9's defaults, and with templates that still carry Packer's workarounds
 * (HostKeyAlgorithms=+ssh-rsa is harmless; use_sftp works).
 */
import { errorMessage } from "../../../../shared/error-message.js";
import { timingSafeEqual } from "node:crypto";
import net, { type AddressInfo } from "node:net";
import ssh2 from "ssh2";
import type { Communicator } from "../../../communicators/types.js";
import { parseScpCommand, serveLegacyScp } from "./legacy-scp.js";
import { RemoteFiles } from "./remote-files.js";
import { serveSftp } from "./sftp-server.js";

export interface AdapterOptions {
  comm: Communicator;
  /** The user Ansible logs in as (anything: the adapter only checks the key). */
  user: string;
  /** PEM/OpenSSH private host key. */
  hostKey: string;
  /** OpenSSH public key line Ansible's key must match. */
  authorizedKey: string;
  port: number;
  signal: AbortSignal;
  log: (text: string) => void;
}

export interface RunningAdapter {
  port: number;
  close(): Promise<void>;
}

export async function startSshAdapter(o: AdapterOptions): Promise<RunningAdapter> {
  const allowed = ssh2.utils.parseKey(o.authorizedKey);
  if (allowed instanceof Error) throw new Error(`ansible adapter: bad authorized key: ${allowed.message}`);
  const allowedKey = Array.isArray(allowed) ? allowed[0]! : allowed;
  const files = new RemoteFiles(o.comm, o.signal);
  const clients = new Set<ssh2.Connection>();
  const server = new ssh2.Server({ hostKeys: [o.hostKey] }, (client) => {
    clients.add(client);
    client.on("close", () => clients.delete(client));
    client.on("error", (e) => o.log(`adapter: client error: ${e.message}`));
    client.on("authentication", (ctx) => {
      if (ctx.method !== "publickey") return ctx.reject(["publickey"]);
      const sameKey = ctx.key.algo === allowedKey.type && equalBytes(ctx.key.data, allowedKey.getPublicSSH());
      if (!sameKey) return ctx.reject(["publickey"]);
      if (ctx.signature && allowedKey.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(["publickey"]);
      ctx.accept();
    });
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        session.on("env", (accept) => accept?.());
        session.on("pty", (accept) => accept?.());
        session.on("exec", (accept, _reject, info) => {
          const channel = accept();
          const scp = parseScpCommand(info.command);
          const work = scp ? serveLegacyScp(channel, files, scp) : relayCommand(o.comm, channel, info.command, o.signal);
          work.then(
            (code) => {
              channel.exit(code);
              channel.end();
            },
            (e: unknown) => {
              channel.stderr.write(`kiln ansible adapter: ${errorMessage(e)}\n`);
              channel.exit(255);
              channel.end();
            },
          );
        });
        // ssh2 announces the sftp subsystem as its own event; any other subsystem is refused.
        session.on("sftp", (accept) => serveSftp(accept(), files, o.log));
        session.on("subsystem", (_accept, reject) => reject());
        session.on("shell", (_accept, reject) => reject());
      });
    });
  });
  // Our own listener, so every connection has TCP_NODELAY from its first byte (ssh2's own server
  // leaves Nagle on). Ansible opens a new ssh connection per command and file transfer unless
  // ControlPersist is on (templates that set ANSIBLE_SSH_ARGS turn it off); with Nagle, key
  // exchange and each reply waited for the client's delayed ACK: ~90 ms per connection, 20 s
  // of a 20-task play (measured: bench/ansible).
  const listener = net.createServer({ noDelay: true }, (socket) => server.injectSocket(socket));
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(o.port, "127.0.0.1", () => resolve());
  });
  // Once listening, a failed accept (EMFILE…) is the build log's business, not a crash.
  listener.on("error", (e) => o.log(`adapter: listener error: ${e.message}`));
  return {
    port: (listener.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        listener.close(() => resolve());
      }),
  };
}

/** A command Ansible runs, relayed to the guest with its streams and exit status. */
async function relayCommand(comm: Communicator, channel: ssh2.ServerChannel, command: string, signal: AbortSignal): Promise<number> {
  return comm.run(
    {
      command,
      stdin: channel,
      onStdout: (chunk) => void channel.write(chunk),
      onStderr: (chunk) => void channel.stderr.write(chunk),
    },
    signal,
  );
}

function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
