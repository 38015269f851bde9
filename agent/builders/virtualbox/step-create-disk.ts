/**
 * virtualbox-iso's stepCreateDisk: a `disk_size` MB VDI in the output directory, an IDE
 * controller always (the boot ISO goes there), a SATA, SCSI (LsiLogic) or NVMe one as
 * hard_drive_interface / iso_interface ask, and the disk on port 0 of the chosen controller.
 */
import { errorMessage } from "../../../shared/error-message.js";
import path from "node:path";
import type { Config } from "../../../shared/components/builders/virtualbox-iso.js";
import type { Step } from "../../runner/steps.js";
import type { OutputDirReady } from "../common/step-output-dir.js";
import type { DriverReady, VmReady } from "./state.js";

const CONTROLLER_NAMES: Record<Config["hardDriveInterface"], string> = {
  ide: "IDE Controller", sata: "SATA Controller", scsi: "SCSI Controller", pcie: "NVMe Controller",
};

export function stepCreateDisk(config: Config): Step<DriverReady & VmReady & OutputDirReady, object> {
  return {
    name: "create disk",
    async run(ctx, { vbox, vmName, outputDir }) {
      const diskPath = path.join(outputDir, `${config.vmName}.vdi`);
      const attempt = async (what: string, args: string[]): Promise<void> => {
        await vbox.run(args, ctx.signal).catch((e: unknown) => {
          throw new Error(`${what}: ${errorMessage(e)}`);
        });
      };
      ctx.ui.say("Creating hard drive...");
      await attempt("Error creating hard drive", ["createhd", "--filename", diskPath, "--size", String(config.diskSizeMb), "--format", "VDI", "--variant", "Standard"]);
      await attempt("Error creating disk controller", ["storagectl", vmName, "--name", "IDE Controller", "--add", "ide"]);
      if (config.hardDriveInterface === "sata" || config.isoInterface === "sata") {
        // --portcount since VirtualBox 4.3 (Packer asks the version; 4.2 is long gone).
        await attempt("Error creating disk controller", ["storagectl", vmName, "--name", "SATA Controller", "--add", "sata", "--portcount", String(config.sataPortCount)]);
      }
      if (config.hardDriveInterface === "scsi") {
        await attempt("Error creating disk controller", ["storagectl", vmName, "--name", "SCSI Controller", "--add", "scsi", "--controller", "LSILogic"]);
      } else if (config.hardDriveInterface === "pcie") {
        await attempt("Error creating NVMe controller", ["storagectl", vmName, "--name", "NVMe Controller", "--add", "pcie", "--controller", "NVMe", "--portcount", String(config.nvmePortCount)]);
      }
      await attempt("Error attaching hard drive", [
        "storageattach", vmName, "--storagectl", CONTROLLER_NAMES[config.hardDriveInterface], "--port", "0", "--device", "0", "--type", "hdd",
        "--medium", diskPath, "--nonrotational", config.hardDriveNonrotational ? "on" : "off", "--discard", config.hardDriveDiscard ? "on" : "off",
      ]);
      return {};
    },
  };
}
