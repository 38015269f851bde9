/**
 * Packer's StepExport: with format ovf or ova, `ovftool [ovftool_options] OUT/VM.vmx OUT/VM.FORMAT`
 * (ovftool was checked for before the build began); format vmx (the default) keeps the VM's own
 * files as the artifact.
 */
import { errorMessage } from "../../../shared/error-message.js";
import path from "node:path";
import type { VmwareCommonConfig as Config } from "../../../shared/components/builders/vmware-common.js";
import type { Step } from "../../runner/steps.js";
import { runProgram } from "../common/run-program.js";
import type { OutputDirReady } from "../common/step-output-dir.js";

export function stepExport(config: Config): Step<OutputDirReady, object> {
  return {
    name: "export",
    async run(ctx, { outputDir }) {
      if (config.skipExport) {
        ctx.ui.say("Skipping export of virtual machine...");
        return {};
      }
      ctx.ui.say("Exporting virtual machine...");
      const args = [...config.ovftoolOptions, path.join(outputDir, `${config.vmName}.vmx`), path.join(outputDir, `${config.vmName}.${config.format}`)];
      ctx.ui.message(`Executing: ovftool ${args.join(" ")}`);
      await runProgram("ovftool", args, ctx.signal).catch((e: unknown) => {
        throw new Error(`Error performing ovftool export: ${errorMessage(e)}`);
      });
      return {};
    },
  };
}
