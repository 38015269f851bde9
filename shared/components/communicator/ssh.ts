import { readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ConfigReader } from "../config-reader.js";

/**
 * The `communicator` and `ssh_*` keys every builder that reaches a machine accepts (Packer's
 * communicator.Config, squashed into the builder's own config). This is the schema half: it reads
 * and checks the keys, and never imports ssh2, so the controller can validate without the agent.
 */

export type TemporaryKeyPairType = "rsa" | "ecdsa" | "ed25519" | "dsa";

export interface SshCommunicatorConfig {
  /** Usually filled in by the builder (the VM's forwarded port, the instance's IP). */
  host: string;
  port: number;
  username: string;
  password?: string;
  /** Absolute path, `~` expanded. */
  privateKeyFile?: string;
  /** PEM/OpenSSH private key text (Packer's internal `ssh_private_key`, or a temporary key pair). */
  privateKey?: string;
  /** The matching public key line, when Kiln generated the pair. */
  publicKey?: string;
  certificateFile?: string;
  agentAuth: boolean;
  disableAgentForwarding: boolean;
  keyPairName?: string;
  temporaryKeyPairName?: string;
  temporaryKeyPairType: TemporaryKeyPairType;
  temporaryKeyPairBits: number;
  pty: boolean;
  /** How long to keep trying to connect, in ms. */
  timeoutMs: number;
  /** Handshakes (auth failures included) tried once the TCP port answers. */
  handshakeAttempts: number;
  /** Keepalive period in ms; 0 or negative disables it. */
  keepAliveIntervalMs: number;
  /** Longest a remote command may run, in ms; 0 = no limit. */
  readWriteTimeoutMs: number;
  ciphers: string[];
  keyExchangeAlgorithms: string[];
  fileTransferMethod: "scp" | "sftp";
  clearAuthorizedKeys: boolean;
  bastion?: {
    host: string;
    port: number;
    username: string;
    password?: string;
    privateKeyFile?: string;
    certificateFile?: string;
    agentAuth: boolean;
    interactive: boolean;
  };
  proxy?: { host: string; port: number; username?: string; password?: string };
  localTunnels: string[];
  remoteTunnels: string[];
}

export type CommunicatorType = "ssh" | "winrm" | "none" | "docker" | "dockerWindowsContainer";

export type CommunicatorConfig =
  | { type: "ssh"; pauseBeforeConnectingMs: number; ssh: SshCommunicatorConfig }
  | { type: "winrm"; pauseBeforeConnectingMs: number; winrm: WinrmCommunicatorConfig }
  | { type: "none" | "docker" | "dockerWindowsContainer"; pauseBeforeConnectingMs: number };

/** Read and checked so templates using WinRM validate; Kiln has no WinRM communicator yet. */
export interface WinrmCommunicatorConfig {
  host: string;
  port: number;
  username: string;
  password?: string;
  timeoutMs: number;
  useSsl: boolean;
  insecure: boolean;
  useNtlm: boolean;
  noProxy: boolean;
}

export interface ReadCommunicatorOptions {
  /** What `communicator` means when the template leaves it out ("ssh" for most builders, "docker" for docker). */
  defaultType?: CommunicatorType;
  /** Relative key file paths resolve against this folder (the cwd, as in Packer). */
  cwd: string;
}

const SSH_DEFAULT_PORT = 22;
const SSH_DEFAULT_TIMEOUT_MS = 5 * 60_000;
const SSH_DEFAULT_HANDSHAKE_ATTEMPTS = 10;
const SSH_DEFAULT_KEEPALIVE_MS = 5_000;
const WINRM_DEFAULT_TIMEOUT_MS = 30 * 60_000;

/**
 * Reads the communicator keys of a builder's config into `reader`, recording Packer's validation
 * messages as problems. The builder calls this from its own `prepare`, before its own checks, so
 * the errors come out in Packer's order.
 */
export function readCommunicatorConfig(reader: ConfigReader, options: ReadCommunicatorOptions): CommunicatorConfig {
  const type = reader.string("communicator", options.defaultType ?? "ssh");
  const pauseBeforeConnectingMs = reader.duration("pause_before_connecting", 0);
  // Every key is read whatever the type, as Packer's decoder accepts them all.
  const ssh = readSsh(reader, options.cwd, type === "ssh");
  const winrm = readWinrm(reader, type === "winrm");
  switch (type) {
    case "ssh":
      return { type, pauseBeforeConnectingMs, ssh };
    case "winrm":
      return { type, pauseBeforeConnectingMs, winrm };
    case "none":
    case "docker":
    case "dockerWindowsContainer":
      return { type, pauseBeforeConnectingMs };
    default:
      reader.problem("communicator", `Communicator type ${type} is invalid`);
      return { type: "none", pauseBeforeConnectingMs };
  }
}

/** True when no credential is configured, so the builder must generate a temporary key pair (Packer's StepSSHKeyGen). */
export function needsTemporaryKeyPair(ssh: SshCommunicatorConfig): boolean {
  return !ssh.password && !ssh.privateKeyFile && !ssh.privateKey && !ssh.agentAuth;
}

function readSsh(r: ConfigReader, cwd: string, validate: boolean): SshCommunicatorConfig {
  const handshakeAttempts = r.int("ssh_handshake_attempts", 0);
  // Both read (a key never read is "unknown"); the deprecated name wins when set, as in Packer.
  const waitTimeout = r.duration("ssh_wait_timeout", 0);
  const sshTimeout = r.duration("ssh_timeout", 0);
  const timeout = waitTimeout || sshTimeout;
  const keepAlive = r.duration("ssh_keep_alive_interval", 0);
  const privateKeyFile = optionalPath(r.string("ssh_private_key_file"), cwd);
  const certificateFile = optionalPath(r.string("ssh_certificate_file"), cwd);
  const cfg: SshCommunicatorConfig = {
    host: r.string("ssh_host", ""),
    port: r.int("ssh_port", 0) || SSH_DEFAULT_PORT,
    username: r.string("ssh_username", ""),
    password: r.string("ssh_password") || undefined,
    privateKeyFile,
    privateKey: r.string("ssh_private_key") || undefined,
    publicKey: r.string("ssh_public_key") || undefined,
    certificateFile,
    agentAuth: r.bool("ssh_agent_auth"),
    disableAgentForwarding: r.bool("ssh_disable_agent_forwarding"),
    keyPairName: r.string("ssh_keypair_name") || undefined,
    temporaryKeyPairName: r.string("temporary_key_pair_name") || undefined,
    temporaryKeyPairType: "rsa",
    temporaryKeyPairBits: 0,
    pty: r.bool("ssh_pty"),
    timeoutMs: timeout || SSH_DEFAULT_TIMEOUT_MS,
    handshakeAttempts: handshakeAttempts || SSH_DEFAULT_HANDSHAKE_ATTEMPTS,
    keepAliveIntervalMs: keepAlive === 0 ? SSH_DEFAULT_KEEPALIVE_MS : keepAlive,
    readWriteTimeoutMs: r.duration("ssh_read_write_timeout", 0),
    ciphers: r.stringList("ssh_ciphers"),
    keyExchangeAlgorithms: r.stringList("ssh_key_exchange_algorithms"),
    fileTransferMethod: "scp",
    clearAuthorizedKeys: r.bool("ssh_clear_authorized_keys"),
    localTunnels: r.stringList("ssh_local_tunnels"),
    remoteTunnels: r.stringList("ssh_remote_tunnels"),
  };
  readTemporaryKeyPair(r, cfg, validate);

  const transfer = r.string("ssh_file_transfer_method", "scp");
  if (transfer === "scp" || transfer === "sftp") cfg.fileTransferMethod = transfer;

  const bastionHost = r.string("ssh_bastion_host", "");
  const bastion = {
    host: bastionHost,
    port: r.int("ssh_bastion_port", 0) || SSH_DEFAULT_PORT,
    username: r.string("ssh_bastion_username", ""),
    password: r.string("ssh_bastion_password") || undefined,
    privateKeyFile: optionalPath(r.string("ssh_bastion_private_key_file"), cwd),
    certificateFile: optionalPath(r.string("ssh_bastion_certificate_file"), cwd),
    agentAuth: r.bool("ssh_bastion_agent_auth"),
    interactive: r.bool("ssh_bastion_interactive"),
  };
  if (bastionHost !== "") {
    // Packer reuses the target's key for the bastion when the bastion has none of its own.
    bastion.privateKeyFile ??= cfg.privateKeyFile;
    bastion.certificateFile ??= cfg.certificateFile;
    cfg.bastion = bastion;
  }
  const proxyHost = r.string("ssh_proxy_host", "");
  const proxyPort = r.int("ssh_proxy_port", 0) || 1080;
  const proxyUsername = r.string("ssh_proxy_username") || undefined;
  const proxyPassword = r.string("ssh_proxy_password") || undefined;
  if (proxyHost !== "") cfg.proxy = { host: proxyHost, port: proxyPort, username: proxyUsername, password: proxyPassword };

  if (!validate) return cfg;

  if (cfg.username === "") {
    r.problem("ssh_username", 'An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".');
  }
  if (cfg.privateKeyFile) checkPrivateKeyFile(r, "ssh_private_key_file", cfg.privateKeyFile, r.string("ssh_private_key_file", ""));
  if (cfg.bastion && !cfg.bastion.agentAuth) {
    if (!cfg.bastion.password && !cfg.bastion.privateKeyFile) {
      r.problem("ssh_bastion_host", "ssh_bastion_password or ssh_bastion_private_key_file must be specified");
    } else if (cfg.bastion.privateKeyFile) {
      checkPrivateKeyFile(r, "ssh_bastion_private_key_file", cfg.bastion.privateKeyFile, r.string("ssh_bastion_private_key_file", "") || r.string("ssh_private_key_file", ""));
    }
  }
  if (transfer !== "scp" && transfer !== "sftp") {
    r.problem("ssh_file_transfer_method", `ssh_file_transfer_method ('${transfer}') is invalid, valid methods: sftp, scp`);
  }
  if (cfg.bastion && cfg.proxy) r.problem("ssh_proxy_host", "please specify either ssh_bastion_host or ssh_proxy_host, not both");
  for (const [key, list] of [["ssh_local_tunnels", cfg.localTunnels], ["ssh_remote_tunnels", cfg.remoteTunnels]] as const) {
    for (const v of list) {
      const err = tunnelArgumentError(v);
      if (err) r.problem(key, `${key} ('${v}') is invalid: ${err}`);
    }
  }
  return cfg;
}

function readTemporaryKeyPair(r: ConfigReader, cfg: SshCommunicatorConfig, validate: boolean): void {
  const type = r.string("temporary_key_pair_type", "rsa");
  const bits = r.int("temporary_key_pair_bits", 0);
  switch (type) {
    case "rsa":
      cfg.temporaryKeyPairType = type;
      cfg.temporaryKeyPairBits = bits || 4096;
      if (validate && cfg.temporaryKeyPairBits < 1024) {
        r.problem("temporary_key_pair_bits", `temporary_key_pair_bits: rsa keys need at least 1024 bits, got ${bits}`);
      }
      return;
    case "ecdsa":
      cfg.temporaryKeyPairType = type;
      cfg.temporaryKeyPairBits = bits || 521;
      if (validate && ![256, 384, 521].includes(cfg.temporaryKeyPairBits)) {
        r.problem("temporary_key_pair_bits", `temporary_key_pair_bits: ecdsa keys are 256, 384 or 521 bits, got ${bits}`);
      }
      return;
    case "ed25519":
      cfg.temporaryKeyPairType = type;
      cfg.temporaryKeyPairBits = 256; // fixed size, `bits` is ignored (Packer)
      return;
    case "dsa":
      cfg.temporaryKeyPairType = type;
      cfg.temporaryKeyPairBits = 1024;
      return;
    default:
      if (validate) {
        r.problem(
          "temporary_key_pair_type",
          `invalid temporary_key_pair_type "${type}": supported types are dsa, ecdsa, ed25519 or rsa`,
        );
      }
  }
}

function readWinrm(r: ConfigReader, validate: boolean): WinrmCommunicatorConfig {
  const useSsl = r.bool("winrm_use_ssl");
  const cfg: WinrmCommunicatorConfig = {
    host: r.string("winrm_host", ""),
    port: r.int("winrm_port", 0) || (useSsl ? 5986 : 5985),
    username: r.string("winrm_username", ""),
    password: r.string("winrm_password") || undefined,
    timeoutMs: r.duration("winrm_timeout", 0) || WINRM_DEFAULT_TIMEOUT_MS,
    useSsl,
    insecure: r.bool("winrm_insecure"),
    useNtlm: r.bool("winrm_use_ntlm"),
    noProxy: r.bool("winrm_no_proxy"),
  };
  if (validate && cfg.username === "") r.problem("winrm_username", "winrm_username must be specified.");
  return cfg;
}

function optionalPath(p: string | undefined, cwd: string): string | undefined {
  if (!p) return undefined;
  const expanded = p === "~" ? os.homedir() : p.startsWith("~/") ? path.join(os.homedir(), p.slice(2)) : p;
  return path.resolve(cwd, expanded);
}

/** Packer stats and parses the key at validate time; we check it exists and looks like a private key. */
function checkPrivateKeyFile(r: ConfigReader, key: string, file: string, written: string): void {
  const shown = written.startsWith("~") ? file : written; // Go's error names the path it was given
  try {
    if (!statSync(file).isFile()) {
      r.problem(key, `${key} is invalid: ${file} is not a file`);
      return;
    }
    const text = readFileSync(file, "utf8");
    if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
      r.problem(key, `${key} is invalid: ${file} does not contain a PEM or OpenSSH private key`);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : String(e);
    r.problem(key, `${key} is invalid: stat ${shown}: ${why}`);
  }
}

/** `[bind_address:]port:host:hostport`, as ssh -L/-R take it. */
function tunnelArgumentError(v: string): string | undefined {
  const parts = v.split(":");
  if (parts.length !== 3 && parts.length !== 4) return "Unexpected tunnel format";
  const ports = parts.length === 3 ? [parts[0], parts[2]] : [parts[1], parts[3]];
  for (const p of ports) {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) return `Invalid port ${p}`;
  }
  return undefined;
}
