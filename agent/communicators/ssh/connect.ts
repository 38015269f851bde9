import { readFile } from "node:fs/promises";
import type { Duplex } from "node:stream";
import ssh2, { type AnyAuthMethod, type Client, type ConnectConfig } from "ssh2";
import type { SshCommunicatorConfig } from "../../../shared/components/communicator/ssh.js";
import { SshAbortedError, SshHandshakeError, SshTimeoutError, SshUnsupportedError } from "./errors.js";

export interface SshConnectOptions {
  signal?: AbortSignal;
  /** Progress for the build log ("Waiting for SSH to become available..."); never gets secrets. */
  log?: (line: string) => void;
  /** Pause between attempts. Packer waits 5s; tests shorten it. */
  retryDelayMs?: number;
  /** A single attempt (Packer's reconnect after a drop): no waiting, no handshake retries. */
  once?: boolean;
  /**
   * An open connection to the server (paused, its banner unread) for the first attempt only: a
   * builder that probed the port until sshd answered hands over that connection.
   */
  firstSocket?: Duplex;
}

// ssh2 is CommonJS: Node's ESM loader only sees its default export.
const { Client: SshClient, utils } = ssh2;

const DEFAULT_RETRY_DELAY_MS = 5_000;
/** Longest a single TCP connect + SSH handshake may take before we count it as failed. */
const MAX_HANDSHAKE_MS = 20_000;

type AttemptFailure = { kind: "network" | "handshake" | "auth"; message: string };

/**
 * Opens an authenticated ssh2 Client, as Packer's StepConnectSSH does: keep trying while the port
 * does not answer (the machine is booting) until `ssh_timeout`; once it answers, allow
 * `ssh_handshake_attempts` failed handshakes (wrong password included) before giving up.
 */
export async function openSshClient(cfg: SshCommunicatorConfig, options: SshConnectOptions = {}): Promise<Client> {
  const address = `${cfg.host}:${cfg.port}`;
  checkSupported(cfg);
  const auth = await authMethods(cfg);
  const deadline = Date.now() + cfg.timeoutMs;
  const delay = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  let handshakeFailures = 0;
  let last: AttemptFailure | undefined;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw new SshAbortedError(`connecting to ${address}`);
    if (attempt > 0) {
      if (options.once) throw new Error(`ssh: reconnecting to ${address} failed: ${last?.message ?? "unknown error"}`);
      if (Date.now() + delay > deadline) break;
      await sleep(delay, options.signal, `connecting to ${address}`);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const sock = attempt === 0 ? options.firstSocket : undefined;
    const result = await connectOnce(cfg, auth, Math.min(remaining, MAX_HANDSHAKE_MS), options.signal, sock);
    if (result instanceof SshClient) return result;
    last = result;
    if (result.kind === "network") continue;
    handshakeFailures++;
    options.log?.(`SSH handshake with ${address} failed (attempt ${handshakeFailures} of ${cfg.handshakeAttempts}): ${result.message}`);
    if (handshakeFailures >= cfg.handshakeAttempts || (options.once && result.kind === "auth")) throw handshakeError(cfg, address, handshakeFailures, result);
  }
  throw new SshTimeoutError(
    `Timeout waiting for SSH: nothing accepted a connection on ${address} within ssh_timeout (${cfg.timeoutMs / 1000}s)` +
      (last ? `; last error: ${last.message}` : "") +
      ". Check ssh_host/ssh_port, that the machine booted and runs sshd, or raise ssh_timeout.",
  );
}

function handshakeError(cfg: SshCommunicatorConfig, address: string, attempts: number, f: AttemptFailure): SshHandshakeError {
  const tried = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
  if (f.kind === "auth") {
    const what = [cfg.password ? "ssh_password" : "", cfg.privateKeyFile ? "ssh_private_key_file" : "", cfg.agentAuth ? "ssh_agent_auth" : ""]
      .filter(Boolean)
      .join("/");
    return new SshHandshakeError(
      `ssh: handshake failed with ${address} after ${tried}: authentication failed for user "${cfg.username}"; ` +
        `check ssh_username/${what || "ssh_password"}`,
    );
  }
  return new SshHandshakeError(`ssh: handshake failed with ${address} after ${tried}: ${f.message}`);
}

function connectOnce(
  cfg: SshCommunicatorConfig,
  auth: AnyAuthMethod[],
  readyTimeout: number,
  signal: AbortSignal | undefined,
  sock?: Duplex,
): Promise<Client | AttemptFailure> {
  return new Promise((resolve) => {
    const client = new SshClient();
    let settled = false;
    const finish = (v: Client | AttemptFailure): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (!(v instanceof SshClient)) client.end();
      resolve(v);
    };
    const onAbort = (): void => {
      client.destroy();
      finish({ kind: "network", message: "cancelled" });
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    client.once("ready", () => finish(client));
    client.on("error", (err: Error & { level?: string; code?: string }) => {
      if (settled) return;
      if (err.level === "client-authentication") finish({ kind: "auth", message: "unable to authenticate" });
      else if (err.level === "client-socket" || err.level === "client-dns") finish({ kind: "network", message: err.message });
      else finish({ kind: "handshake", message: err.message });
    });
    client.once("close", () => finish({ kind: "network", message: "connection closed during handshake" }));
    const connectConfig: ConnectConfig = {
      host: cfg.host,
      port: cfg.port,
      username: cfg.username,
      readyTimeout,
      keepaliveInterval: cfg.keepAliveIntervalMs > 0 ? cfg.keepAliveIntervalMs : 0,
      keepaliveCountMax: 3,
      authHandler: auth,
      agentForward: cfg.agentAuth && !cfg.disableAgentForwarding,
      agent: cfg.agentAuth ? process.env.SSH_AUTH_SOCK : undefined,
    };
    if (cfg.ciphers.length > 0 || cfg.keyExchangeAlgorithms.length > 0) {
      connectConfig.algorithms = {};
      if (cfg.ciphers.length > 0) connectConfig.algorithms.cipher = cfg.ciphers as never;
      if (cfg.keyExchangeAlgorithms.length > 0) connectConfig.algorithms.kex = cfg.keyExchangeAlgorithms as never;
    }
    // ssh2 resumes a handed-over socket itself once its data handler is on.
    if (sock) connectConfig.sock = sock;
    client.connect(connectConfig);
    // Small requests back to back (channel data, EOF, close; SFTP packets) must not wait for the
    // previous one's ACK: with Nagle on, each can stall for a delayed ACK (40 ms on Linux).
    // Go's net package, under Packer's communicator, sets TCP_NODELAY on every connection too.
    client.setNoDelay(true);
  });
}

/** Packer's order: agent, private keys (file, then in-memory), then password and keyboard-interactive. */
async function authMethods(cfg: SshCommunicatorConfig): Promise<AnyAuthMethod[]> {
  const username = cfg.username;
  const methods: AnyAuthMethod[] = [];
  if (cfg.agentAuth) {
    const sock = process.env.SSH_AUTH_SOCK;
    if (!sock) throw new Error("ssh_agent_auth is set but SSH_AUTH_SOCK is not: start an ssh-agent or unset ssh_agent_auth");
    methods.push({ type: "agent", username, agent: sock });
  }
  const keys: { text: string; where: string }[] = [];
  if (cfg.privateKeyFile) {
    let text: string;
    try {
      text = await readFile(cfg.privateKeyFile, "utf8");
    } catch (e) {
      throw new Error(`Error on reading SSH private key: ssh_private_key_file ${cfg.privateKeyFile}: ${(e as Error).message}`);
    }
    keys.push({ text, where: `ssh_private_key_file ${cfg.privateKeyFile}` });
  }
  if (cfg.privateKey) keys.push({ text: cfg.privateKey, where: "the temporary/internal private key" });
  for (const k of keys) {
    const parsed = utils.parseKey(k.text);
    if (parsed instanceof Error) throw new Error(`Error on parsing SSH private key (${k.where}): ${parsed.message}`);
    methods.push({ type: "publickey", username, key: k.text });
  }
  if (cfg.password) {
    const password = cfg.password;
    methods.push({ type: "password", username, password });
    methods.push({
      type: "keyboard-interactive",
      username,
      // Servers that only offer keyboard-interactive ask for the password as a prompt.
      prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
    });
  }
  if (methods.length === 0) {
    throw new Error(
      "no SSH credential: set ssh_password, ssh_private_key_file or ssh_agent_auth, or let the builder generate a temporary key pair",
    );
  }
  return methods;
}

function checkSupported(cfg: SshCommunicatorConfig): void {
  const unsupported: string[] = [];
  if (cfg.certificateFile) unsupported.push("ssh_certificate_file");
  if (cfg.bastion) unsupported.push("ssh_bastion_host");
  if (cfg.proxy) unsupported.push("ssh_proxy_host");
  if (cfg.localTunnels.length > 0) unsupported.push("ssh_local_tunnels");
  if (cfg.remoteTunnels.length > 0) unsupported.push("ssh_remote_tunnels");
  if (unsupported.length > 0) {
    throw new SshUnsupportedError(
      `Kiln's SSH communicator does not support ${unsupported.join(", ")} yet: remove ${unsupported.length > 1 ? "them" : "it"} from the builder, or reach the machine directly`,
    );
  }
}

export function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SshAbortedError(what));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new SshAbortedError(what));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
