/**
 * Packer's StepCompactDisk: every disk of the VM defragmented and shrunk (vmware-vdiskmanager -d,
 * then -k; Player without it rewrites the disk with qemu-img), unless skip_compaction.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { Step } from "../../runner/steps.js";
import type { DriverReady, VmxReady } from "./state.js";

export function stepCompactDisk(skip: boolean): Step<DriverReady & VmxReady, object> {
  return {
    name: "compact disk",
    async run(ctx, { vmware, diskPaths }) {
      if (skip) return {};
      ctx.ui.say("Compacting all attached virtual disks...");
      for (const [i, disk] of diskPaths.entries()) {
        ctx.ui.message(`Compacting virtual disk ${i + 1}`);
        await vmware.compactDisk(disk, ctx.signal).catch((e: unknown) => {
          throw new Error(`Error compacting disk: ${errorMessage(e)}`);
        });
      }
      return {};
    },
  };
}
