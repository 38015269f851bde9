/**
 * Packer's StepCreateDisks: vmware-iso's main disk (vmdk_name.vmdk, disk_size MB) and every
 * disk_additional_size disk (vmdk_name-N.vmdk, N skipping 7, the SCSI controller's own slot),
 * all with the main disk's adapter and disk_type_id. Their files live in the output directory,
 * which is removed on failure.
 */
import { errorMessage } from "../../../shared/error-message.js";
import path from "node:path";
import type { VmwareDiskConfig } from "../../../shared/components/builders/vmware-common.js";
import type { Step } from "../../runner/steps.js";
import type { OutputDirReady } from "../common/step-output-dir.js";
import type { DriverReady } from "./state.js";

export interface DisksCreated {
  /** The disks this step made (vmware-iso: main disk first). */
  createdDisks: string[];
}

/** Slot numbers of the additional disks: 1, 2, … with 7 skipped (Packer's incrementer). */
export function additionalDiskNumbers(count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i + 1 >= 7 ? i + 2 : i + 1));
}

export function stepCreateDisks(disk: VmwareDiskConfig, mainDiskSizeMb: number | undefined): Step<DriverReady & OutputDirReady, DisksCreated> {
  return {
    name: "create disks",
    async run(ctx, { vmware, outputDir }) {
      ctx.ui.say("Creating required virtual machine disks");
      const disks: [string, number][] = [];
      if (mainDiskSizeMb !== undefined) disks.push([path.join(outputDir, `${disk.name}.vmdk`), mainDiskSizeMb]);
      additionalDiskNumbers(disk.additionalSizesMb.length).forEach((n, i) => disks.push([path.join(outputDir, `${disk.name}-${n}.vmdk`), disk.additionalSizesMb[i]!]));
      for (const [file, sizeMb] of disks) {
        await vmware.createDisk(file, `${sizeMb}M`, disk.adapterType, disk.typeId, ctx.signal).catch((e: unknown) => {
          throw new Error(`Error creating disk: ${errorMessage(e)}`);
        });
      }
      return { createdDisks: disks.map(([file]) => file) };
    },
  };
}
