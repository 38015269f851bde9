/**
 * Packer's StepRun: `startvm --type headless|gui`. A cancel powers the VM off at once (a command
 * running over SSH then fails instead of holding the build); the cleanup powers it off if it
 * still runs after a failure.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { VirtualBoxCommonConfig as Config } from "../../../shared/components/builders/virtualbox-common.js";
import type { Step } from "../../runner/steps.js";
import type { VrdpReady } from "./step-vrdp.js";
import type { BuildOutcome, DriverReady, VmReady } from "./state.js";

export interface VmStarted {
  /** Resolves when a cancel's power-off has been sent (for the cleanup to wait on). */
  started: true;
}

export function stepStartVm(config: Config, outcome: BuildOutcome): Step<DriverReady & VmReady & VrdpReady, VmStarted> {
  let running: { vmName: string; stopOnAbort: () => void; abortStop?: Promise<unknown> } | undefined;
  return {
    name: "start vm",
    async run(ctx, { vbox, vmName, vrdpAddress, vrdpPort }) {
      ctx.ui.say("Starting the virtual machine...");
      if (config.headless) {
        ctx.ui.message(`The VM will be run headless, without a GUI. If you want to\nview the screen of the VM, connect via VRDP without a password to\nrdp://${vrdpAddress}:${vrdpPort}`);
      }
      await vbox.run(["startvm", vmName, "--type", config.headless ? "headless" : "gui"], ctx.signal).catch((e: unknown) => {
        throw new Error(`Error starting VM: ${errorMessage(e)}`);
      });
      const entry: NonNullable<typeof running> = {
        vmName,
        stopOnAbort: () => (entry.abortStop = vbox.run(["controlvm", vmName, "poweroff"]).catch(() => undefined)),
      };
      running = entry;
      ctx.signal.addEventListener("abort", entry.stopOnAbort, { once: true });
      return { started: true };
    },
    async cleanup(ctx, { vbox }) {
      if (!running) return;
      const { vmName, stopOnAbort, abortStop } = running;
      running = undefined;
      ctx.signal.removeEventListener("abort", stopOnAbort);
      await abortStop;
      if (!outcome.stopped && (await vbox.isRunning(vmName).catch(() => false))) {
        await vbox.run(["controlvm", vmName, "poweroff"]).catch((e: unknown) => ctx.ui.error(`Error shutting down VM: ${errorMessage(e)}`));
      }
    },
  };
}
