/**
 * vmware-vmx's StepCloneVMX: `vmrun clone SOURCE OUTPUT/VM_NAME.vmx full|linked`, then the
 * clone's .vmx says which disks to compact later (every *N:M.fileName ending in .vmdk) and which
 * network the VM is on (ethernet0.connectionType, nat when unset).
 */
import path from "node:path";
import type { Config } from "../../../shared/components/builders/vmware-vmx.js";
import type { Step } from "../../runner/steps.js";
import type { OutputDirReady } from "../common/step-output-dir.js";
import type { DriverReady, VmxReady } from "./state.js";
import { readVmx, type VmxData } from "./vmx-file.js";

const DISK_KEY = /^(scsi|sata|ide|nvme)\d:\d{1,2}\.filename$/i;

/** The .vmdk files a .vmx attaches, resolved against its folder. */
export function attachedDisks(vmx: VmxData, dir: string): string[] {
  return [...vmx].filter(([k, v]) => DISK_KEY.test(k) && path.extname(v) === ".vmdk").map(([, v]) => path.resolve(dir, v));
}

export function stepCloneVmx(config: Config): Step<DriverReady & OutputDirReady, VmxReady> {
  return {
    name: "clone vmx",
    async run(ctx, { vmware, outputDir }) {
      const vmxPath = path.join(outputDir, `${config.vmName}.vmx`);
      ctx.ui.say("Cloning source VM...");
      await vmware.clone(vmxPath, config.sourcePath, config.linked, ctx.signal);
      const vmx = await readVmx(vmxPath);
      const diskPaths = attachedDisks(vmx, outputDir);
      if (diskPaths.length === 0) throw new Error("Could not enumerate disk info from the vmx file");
      return { vmxPath, network: vmx.get("ethernet0.connectiontype") || "nat", diskPaths, temporaryDevices: [] };
    },
  };
}
