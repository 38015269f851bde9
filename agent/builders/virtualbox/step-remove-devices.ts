/**
 * Packer's StepRemoveDevices: before export, the floppy (and its controller) and the ISOs come
 * off the VM so the exported machine does not point at files of this host; with bundle_iso the
 * boot ISO stays. The floppy controller can stay locked a moment after power-off, so its removal
 * is retried (Packer: up to 10 minutes).
 */
import { errorMessage } from "../../../shared/error-message.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { Step } from "../../runner/steps.js";
import type { MediaAttached } from "./step-attach-media.js";
import type { DriverReady, VmReady } from "./state.js";

export function stepRemoveDevices(bundleIso: boolean): Step<DriverReady & VmReady & MediaAttached, object> {
  return {
    name: "remove devices",
    async run(ctx, { vbox, vmName, detach }) {
      for (const entry of [...detach]) {
        if (entry.kind === "boot_iso" && bundleIso) continue;
        if (entry.kind === "floppy") ctx.ui.message("Removing floppy drive...");
        await vbox.run(entry.args, ctx.signal).catch((e: unknown) => {
          throw new Error(`Error ${entry.kind === "floppy" ? "removing floppy" : "detaching ISO"}: ${errorMessage(e)}`);
        });
        detach.splice(detach.indexOf(entry), 1);
        if (entry.kind === "floppy") await removeFloppyController(ctx.signal, () => vbox.run(["storagectl", vmName, "--name", "Floppy Controller", "--remove"], ctx.signal));
      }
      // With bundle_iso the boot ISO stays attached: nothing more for the cleanup to detach.
      detach.splice(0);
      return {};
    },
  };
}

async function removeFloppyController(signal: AbortSignal, remove: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      await remove();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`Error removing floppy controller: ${errorMessage(e)}`);
      await sleep(2_000, undefined, { signal });
    }
  }
}
