import { ConfigReader } from "../config-reader.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";
import type { BuilderSchema } from "../types.js";

/**
 * Packer's `null` builder: no machine of its own; it connects to an existing host (or to
 * nothing with `communicator: none`) so provisioners can run.
 */
export interface Config {
  communicator: CommunicatorConfig;
}

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "null",
  needs: [],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder", interpolation: ctx.interpolation });
    const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd });
    // Packer's checks for any communicator but none (Host(), User(), Password() are the
    // communicator's own); Kiln runs only ssh and none, and says so when the build starts.
    if (communicator.type === "ssh") {
      const ssh = communicator.ssh;
      if (ssh.host === "") r.problem("ssh_host", "a Host must be specified, please reference your communicator documentation");
      if (ssh.username === "") r.problem("ssh_username", "a Username must be specified, please reference your communicator documentation");
      if (!ssh.agentAuth && !ssh.password && !ssh.privateKeyFile && !ssh.privateKey) {
        r.problem(undefined, "one authentication method must be specified, please reference your communicator documentation");
      }
      const methods = [ssh.agentAuth, Boolean(ssh.password), Boolean(ssh.privateKeyFile)].filter(Boolean).length;
      if (methods > 1) r.problem(undefined, "only one of ssh_agent_auth, ssh_password, and ssh_private_key_file must be specified");
    } else if (communicator.type === "winrm") {
      const winrm = communicator.winrm;
      if (winrm.host === "") r.problem("winrm_host", "a Host must be specified, please reference your communicator documentation");
      if (winrm.username === "") r.problem("winrm_username", "a Username must be specified, please reference your communicator documentation");
      if (!winrm.password) r.problem(undefined, "one authentication method must be specified, please reference your communicator documentation");
    } else if (communicator.type !== "none") {
      r.problem("communicator", `the null builder supports the "ssh", "winrm" and "none" communicators, not "${communicator.type}"`);
    }
    r.finish();
    return { communicator };
  },
};
