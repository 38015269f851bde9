/**
 * Packer's StepRun: `vmrun start VMX nogui|gui`. A cancel stops the VM hard at once (a command
 * running over SSH then fails instead of holding the build); the cleanup stops it if it still
 * runs after a failure, first giving a VM started under 5 s ago the rest of those seconds, as
 * Packer does (VMware refuses a stop while it is still starting the VM).
 */
import { errorMessage } from "../../../shared/error-message.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { VmwareRunConfig } from "../../../shared/components/builders/vmware-common.js";
import type { Step } from "../../runner/steps.js";
import type { VncReady } from "./step-configure-vnc.js";
import type { DriverReady, VmxReady } from "./state.js";

const DURATION_BEFORE_STOP_MS = 5_000;

export interface VmStarted {
  /** `{{ build "ID" }}`-style instance id: the .vmx path, as Packer's instance_id. */
  instanceId: string;
}

export function stepRun(run: VmwareRunConfig): Step<DriverReady & VmxReady & VncReady, VmStarted> {
  let started: { vmxPath: string; at: number; stopOnAbort: () => void; abortStop?: Promise<unknown> } | undefined;
  return {
    name: "start vm",
    async run(ctx, { vmware, vmxPath, vnc }) {
      ctx.ui.say("Starting virtual machine...");
      if (run.headless) {
        // Packer prints the VNC password here; it is a credential, so Kiln names where it is instead.
        ctx.ui.message(vnc
          ? `The VM will be run headless, without a GUI. If you want to\nview the screen of the VM, connect via VNC to\nvnc://${vnc.ip}:${vnc.port}${vnc.password ? " (password: remotedisplay.vnc.password in the VM's .vmx)" : ""}`
          : "The VM will be run headless, without a GUI, as configured.\nIf the run isn't succeeding as you expect, please enable the GUI\nto inspect the progress of the build.");
      }
      const entry: NonNullable<typeof started> = {
        vmxPath,
        at: Date.now(),
        stopOnAbort: () => (entry.abortStop = vmware.stop(vmxPath).catch(() => undefined)),
      };
      started = entry;
      ctx.signal.addEventListener("abort", entry.stopOnAbort, { once: true });
      await vmware.start(vmxPath, run.headless, ctx.signal).catch((e: unknown) => {
        throw new Error(`Error starting VM: ${errorMessage(e)}`);
      });
      return { instanceId: vmxPath };
    },
    async cleanup(ctx, { vmware }) {
      if (!started) return;
      const { vmxPath, at, stopOnAbort, abortStop } = started;
      started = undefined;
      ctx.signal.removeEventListener("abort", stopOnAbort);
      await abortStop;
      if (!(await vmware.isRunning(vmxPath).catch(() => false))) return;
      const wait = DURATION_BEFORE_STOP_MS - (Date.now() - at);
      if (wait > 0) {
        ctx.ui.say(`Waiting ${(wait / 1000).toFixed(1)}s to give VMware time to clean up...`);
        await sleep(wait);
      }
      ctx.ui.say("Stopping virtual machine...");
      await vmware.stop(vmxPath).catch((e: unknown) => ctx.ui.error(`Error stopping VM: ${errorMessage(e)}`));
    },
  };
}
