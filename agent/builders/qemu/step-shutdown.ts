/**
 * Packer's stepShutdown: `shutdown_command` over SSH (the connection may drop as the guest goes
 * down, which is fine), or ACPI power-off through QMP without one; then wait for QEMU itself to
 * exit, which is the moment the disk is consistent. No polling and no fixed sleeps.
 */
import type { Config } from "../../../shared/components/builders/qemu.js";
import type { Step } from "../../runner/steps.js";
import { NoneCommunicator } from "../../communicators/none.js";
import type { Connected } from "../common/step-connect.js";
import { qmpExecute } from "./qmp-command.js";
import type { QemuRunning } from "./step-run-qemu.js";

export function stepShutdown(config: Config): Step<QemuRunning & Connected, object> {
  return {
    name: "shutdown",
    async run(ctx, state) {
      const { shutdownCommand, shutdownTimeoutMs } = config.shutdown;
      if (state.comm instanceof NoneCommunicator) {
        // As Packer: without a communicator the guest (an installer) powers itself off.
        ctx.ui.say("Waiting for the VM to shut itself down (no communicator)...");
      } else if (shutdownCommand) {
        ctx.ui.say("Gracefully halting virtual machine...");
        // Not awaited to completion: poweroff may never answer before the link drops.
        const sent = state.comm.run({ command: shutdownCommand }).catch(() => -1);
        const code = await Promise.race([sent, state.qemu.exited.then(() => 0)]);
        if (code !== 0 && code !== -1 && state.qemu.isRunning()) ctx.ui.error(`shutdown_command exited with status ${code}`);
      } else {
        ctx.ui.say("Powering off the VM (ACPI, through QMP)...");
        await qmpExecute(state.qmpSocket, "system_powerdown");
      }
      ctx.ui.say("Waiting for shutdown...");
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), shutdownTimeoutMs)));
      const aborted = new Promise<"aborted">((resolve) => ctx.signal.addEventListener("abort", () => resolve("aborted"), { once: true }));
      const result = await Promise.race([state.qemu.exited, timedOut, aborted]);
      clearTimeout(timer);
      if (result === "timeout") throw new Error(`Timeout while waiting for machine to shut down (shutdown_timeout ${shutdownTimeoutMs / 1000}s): check shutdown_command or raise shutdown_timeout`);
      if (result === "aborted") throw new Error("cancelled while waiting for the VM to shut down");
      await state.comm.close().catch(() => undefined);
      ctx.ui.say("VM shut down.");
      return {};
    },
  };
}
