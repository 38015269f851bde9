import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ConfigReader } from "../config-reader.js";

/**
 * The communicator keys every builder of Packer 1.6.6 accepts (communicator.Config), with the
 * checks Packer makes while validating. Builders that connect differently (docker) pass their own
 * default type and the extra types they allow.
 */
export interface CommunicatorConfig {
  type: string;
  ssh?: { host?: string; port: number; username: string; password?: string; privateKeyFile?: string; timeoutMs: number };
  winrm?: { host?: string; port: number; username: string; password?: string; useSsl: boolean; timeoutMs: number };
  pauseBeforeConnectingMs: number;
}

const SSH_STRING_KEYS = [
  "ssh_keypair_name", "temporary_key_pair_name", "temporary_key_pair_type", "ssh_certificate_file",
  "ssh_bastion_host", "ssh_bastion_username", "ssh_bastion_password", "ssh_bastion_private_key_file",
  "ssh_bastion_certificate_file", "ssh_proxy_host", "ssh_proxy_username", "ssh_proxy_password",
  "ssh_keep_alive_interval", "ssh_read_write_timeout", "ssh_interface", "ssh_ip_version",
];
const SSH_OTHER_KEYS = [
  "temporary_key_pair_bits", "ssh_ciphers", "ssh_clear_authorized_keys", "ssh_key_exchange_algorithms",
  "ssh_pty", "ssh_agent_auth", "ssh_disable_agent_forwarding", "ssh_handshake_attempts", "ssh_bastion_port",
  "ssh_bastion_agent_auth", "ssh_bastion_interactive", "ssh_proxy_port", "ssh_remote_tunnels",
  "ssh_local_tunnels", "ssh_public_key", "ssh_private_key",
];
const WINRM_OTHER_KEYS = ["winrm_no_proxy", "winrm_insecure", "winrm_use_ntlm"];

export function readCommunicatorConfig(
  r: ConfigReader,
  cwd: string,
  opts: { defaultType?: string; extraTypes?: readonly string[] } = {},
): CommunicatorConfig {
  const type = r.string("communicator", "") || opts.defaultType || "ssh";
  const pauseBeforeConnectingMs = r.duration("pause_before_connecting", 0);
  const sshUsername = r.string("ssh_username", "");
  const sshHost = r.string("ssh_host") || undefined;
  const sshPort = r.int("ssh_port", 0) || 22;
  const sshPassword = r.string("ssh_password") || undefined;
  const sshPrivateKeyFile = r.string("ssh_private_key_file") || undefined;
  // ssh_wait_timeout is the pre-1.0 name; Packer still reads it when ssh_timeout is unset.
  const sshWait = r.duration("ssh_wait_timeout", 0);
  const sshTimeoutMs = r.duration("ssh_timeout", 0) || sshWait || 5 * 60_000;
  const transfer = r.string("ssh_file_transfer_method", "scp");
  for (const k of SSH_STRING_KEYS) r.string(k);
  r.accept(...SSH_OTHER_KEYS);
  const winrmUsername = r.string("winrm_username", "");
  const winrmPassword = r.string("winrm_password") || undefined;
  const winrmHost = r.string("winrm_host") || undefined;
  const winrmUseSsl = r.bool("winrm_use_ssl");
  const winrmPort = r.int("winrm_port", 0) || (winrmUseSsl ? 5986 : 5985);
  const winrmTimeoutMs = r.duration("winrm_timeout", 30 * 60_000);
  r.accept(...WINRM_OTHER_KEYS);

  const config: CommunicatorConfig = { type, pauseBeforeConnectingMs };
  if (type === "ssh") {
    config.ssh = { host: sshHost, port: sshPort, username: sshUsername, password: sshPassword, privateKeyFile: sshPrivateKeyFile, timeoutMs: sshTimeoutMs };
    if (sshUsername === "") {
      r.problem("ssh_username", 'An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".');
    }
    if (sshPrivateKeyFile && !existsSync(resolve(cwd, sshPrivateKeyFile))) {
      r.problem("ssh_private_key_file", `ssh_private_key_file is invalid: stat ${sshPrivateKeyFile}: no such file or directory`);
    }
    if (transfer !== "scp" && transfer !== "sftp") {
      r.problem("ssh_file_transfer_method", `ssh_file_transfer_method ('${transfer}') is invalid, valid methods: sftp, scp`);
    }
  } else if (type === "winrm") {
    config.winrm = { host: winrmHost, port: winrmPort, username: winrmUsername, password: winrmPassword, useSsl: winrmUseSsl, timeoutMs: winrmTimeoutMs };
    if (winrmUsername === "") r.problem("winrm_username", "winrm_username must be specified.");
  } else if (type !== "none" && !(opts.extraTypes ?? []).includes(type)) {
    r.problem("communicator", `communicator '${type}' is not known: use ssh, winrm or none${(opts.extraTypes ?? []).map((t) => `, ${t}`).join("")}`);
  }
  return config;
}
