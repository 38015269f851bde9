/**
 * Packer's StepExport: the communicator's port forward is deleted (it names a host port of this
 * machine), then `VBoxManage export VM --output DIR/NAME.ovf|ova` plus export_opts. skip_export
 * leaves the VM's own files (the VDI) as the artifact.
 */
import { errorMessage } from "../../../shared/error-message.js";
import path from "node:path";
import type { VirtualBoxCommonConfig as Config } from "../../../shared/components/builders/virtualbox-common.js";
import type { Step } from "../../runner/steps.js";
import type { OutputDirReady } from "../common/step-output-dir.js";
import type { DriverReady, PortForwardReady, VmReady } from "./state.js";

export interface Exported {
  /** The .ovf/.ova written, unless skip_export. */
  exportPath?: string;
}

export function stepExport(config: Config): Step<DriverReady & VmReady & OutputDirReady & PortForwardReady, Exported> {
  return {
    name: "export",
    async run(ctx, { vbox, vmName, outputDir, commHostPort }) {
      if (config.skipExport) {
        ctx.ui.say("Skipping export of virtual machine...");
        return {};
      }
      ctx.ui.say("Preparing to export machine...");
      if (!config.skipNatMapping && commHostPort !== 0) {
        ctx.ui.message(`Deleting forwarded port mapping for the communicator (SSH, WinRM, etc) (host port ${commHostPort})`);
        await vbox.run(["modifyvm", vmName, "--natpf1", "delete", "packercomm"], ctx.signal).catch((e: unknown) => {
          throw new Error(`Error deleting port forwarding rule: ${errorMessage(e)}`);
        });
      }
      const exportPath = path.join(outputDir, `${config.outputFilename}.${config.format}`);
      // Packer adds --iso when export_opts asks for it with -I (VBoxManage knows only the long form).
      const opts = config.exportOpts.includes("-I") && !config.exportOpts.includes("--iso") ? [...config.exportOpts, "--iso"] : config.exportOpts;
      const command = ["export", vmName, "--output", exportPath, ...opts];
      ctx.ui.say("Exporting virtual machine...");
      ctx.ui.message(`Executing: ${command.join(" ")}`);
      await vbox.run(command, ctx.signal).catch((e: unknown) => {
        throw new Error(`Error exporting virtual machine: ${errorMessage(e)}`);
      });
      return { exportPath };
    },
  };
}
