/**
 * Packer's StepShutdown for VirtualBox: ACPI power button (acpi_shutdown), or shutdown_command
 * over the communicator, or a hard power-off without one; with disable_shutdown the guest stops
 * itself (an installer that powers off). Then VirtualBox is asked every half second until the VM
 * no longer runs, within shutdown_timeout, and post_shutdown_delay lets its locks clear.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { VirtualBoxCommonConfig as Config } from "../../../shared/components/builders/virtualbox-common.js";
import type { Step } from "../../runner/steps.js";
import type { Connected } from "../common/step-connect.js";
import type { VmStarted } from "./step-start-vm.js";
import type { BuildOutcome, DriverReady, VmReady } from "./state.js";

const POLL_MS = 500;

export function stepShutdown(config: Config, outcome: BuildOutcome): Step<DriverReady & VmReady & VmStarted & Connected, object> {
  return {
    name: "shutdown",
    async run(ctx, { vbox, vmName, comm }) {
      const fail = (what: string) => (e: unknown): never => {
        throw new Error(`${what}: ${errorMessage(e)}`);
      };
      if (config.acpiShutdown) {
        ctx.ui.say("Shuting down the virtual machine via ACPI power button...");
        await vbox.run(["controlvm", vmName, "acpipowerbutton"], ctx.signal).catch(fail("Error stopping VM"));
      } else if (!config.disableShutdown) {
        if (config.shutdownCommand) {
          ctx.ui.say("Gracefully halting virtual machine...");
          // The connection may drop as the guest goes down: that is the command working.
          await comm.run({ command: config.shutdownCommand, onStdout: (s) => ctx.ui.message(s.trimEnd()), onStderr: (s) => ctx.ui.error(s.trimEnd()) }, ctx.signal).catch(() => -1);
        } else {
          ctx.ui.say("Halting the virtual machine...");
          await vbox.run(["controlvm", vmName, "poweroff"], ctx.signal).catch(fail("Error stopping VM"));
        }
      } else {
        ctx.ui.say("Automatic shutdown disabled. Please shutdown virtual machine.");
      }
      const deadline = Date.now() + config.shutdownTimeoutMs;
      while (await vbox.isRunning(vmName, ctx.signal)) {
        if (Date.now() > deadline) throw new Error(`Timeout while waiting for machine to shutdown (shutdown_timeout ${config.shutdownTimeoutMs / 1000}s): check shutdown_command or raise shutdown_timeout`);
        await sleep(POLL_MS, undefined, { signal: ctx.signal });
      }
      outcome.stopped = true;
      await comm.close().catch(() => undefined);
      if (config.postShutdownDelayMs > 0) await sleep(config.postShutdownDelayMs, undefined, { signal: ctx.signal });
      return {};
    },
  };
}
