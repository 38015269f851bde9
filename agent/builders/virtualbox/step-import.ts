/**
 * virtualbox-ovf's StepImport: `VBoxManage import OVF --vsys 0 --vmname NAME` plus import_flags,
 * then the owner mark the reaper looks for. Removed again like a created VM (see step-create-vm).
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { Config } from "../../../shared/components/builders/virtualbox-ovf.js";
import type { Step } from "../../runner/steps.js";
import type { IsoReady } from "../common/step-download-iso.js";
import { removeVm } from "./remove-vm.js";
import { OWNER_EXTRADATA_KEY, type BuildOutcome, type DriverReady, type VmReady } from "./state.js";

export function stepImport(config: Config, outcome: BuildOutcome): Step<DriverReady & IsoReady, VmReady> {
  let imported: string | undefined;
  return {
    name: "import vm",
    async run(ctx, { vbox, isoPath }) {
      ctx.ui.say(`Importing VM: ${isoPath}`);
      try {
        await vbox.run(["import", isoPath, "--vsys", "0", "--vmname", config.vmName, ...config.importFlags], ctx.signal);
        imported = config.vmName;
        await vbox.run(["setextradata", config.vmName, OWNER_EXTRADATA_KEY, String(process.pid)], ctx.signal);
      } catch (e) {
        throw new Error(`Error importing VM: ${errorMessage(e)}`);
      }
      return { vmName: config.vmName };
    },
    async cleanup(ctx, { vbox }) {
      if (!imported) return;
      if (config.keepRegistered && outcome.succeeded) {
        ctx.ui.say("Keeping virtual machine registered with VirtualBox host (keep_registered = true)");
        return;
      }
      await removeVm(ctx, vbox, imported, outcome.stopped);
      imported = undefined;
    },
  };
}
