/**
 * Packer's StepConnect: reach the machine with the configured communicator and hand later steps
 * the connection and the data provisioners may read (`{{build "Host"}}`, ConnType, …).
 */
import { readFile } from "node:fs/promises";
import type { Duplex } from "node:stream";
import type { CommunicatorConfig } from "../../../shared/components/communicator/ssh.js";
import { NoneCommunicator } from "../../communicators/none.js";
import type { Communicator } from "../../communicators/types.js";
import type { GeneratedData, RunContext } from "../../runner/context.js";
import { PROVISION_STEP, type Step } from "../../runner/steps.js";

export interface Connected {
  comm: Communicator;
  generated: GeneratedData;
}

/**
 * `host`/`port` override the config's when the builder learns them at run time (a VM's forwarded
 * port); `sock`, an open connection to sshd, is used for the first attempt.
 */
export function stepConnect<Needs extends object>(
  config: CommunicatorConfig,
  where?: (state: Needs) => { host: string; port: number; sock?: Duplex },
): Step<Needs, Connected> {
  return {
    name: "connect",
    async run(ctx: RunContext, state: Needs): Promise<Connected> {
      if (config.type === "none") return { comm: new NoneCommunicator(), generated: {} };
      if (config.type !== "ssh") throw new Error(`the ${config.type} communicator is not available in Kiln yet`);
      const { sock, ...at } = where ? where(state) : { sock: undefined };
      const ssh = { ...config.ssh, ...at };
      if (config.pauseBeforeConnectingMs > 0) {
        const { setTimeout: sleep } = await import("node:timers/promises");
        await sleep(config.pauseBeforeConnectingMs, undefined, { signal: ctx.signal });
      }
      ctx.ui.say(`Using ssh communicator to connect: ${ssh.host}`);
      ctx.ui.say("Waiting for SSH to become available...");
      const { connectSsh } = await import("../../communicators/ssh/index.js");
      const comm = await connectSsh(ssh, { signal: ctx.signal, ui: ctx.ui, firstSocket: sock });
      ctx.ui.say("Connected to SSH!");
      return {
        comm,
        generated: {
          Host: ssh.host,
          Port: String(ssh.port),
          User: ssh.username,
          Password: ssh.password ?? "",
          ConnType: "ssh",
          SSHPublicKey: ssh.publicKey ?? "",
          // As Packer, which reads ssh_private_key_file into the communicator's key at prepare.
          SSHPrivateKey: ssh.privateKey ?? (ssh.privateKeyFile ? await readFile(ssh.privateKeyFile, "utf8") : ""),
        },
      };
    },
    async cleanup(_ctx, state) {
      await state.comm?.close();
    },
    cleanupIsLocal: true,
  };
}

/** Packer's StepProvision: the template's provisioners, over the connection. */
export function stepProvision<Needs extends Connected & { generated: GeneratedData }>(
  provision: (comm: Communicator, generated: GeneratedData) => Promise<void>,
  extraGenerated?: (state: Needs) => GeneratedData,
): Step<Needs, object> {
  return {
    name: PROVISION_STEP,
    async run(_ctx, state) {
      await provision(state.comm, { ...state.generated, ...(extraGenerated ? extraGenerated(state) : {}) });
      return {};
    },
  };
}
