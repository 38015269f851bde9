/**
 * Packer's StepCleanFiles: everything in the output directory but the VM's own files (.nvram,
 * .vmdk, .vmsd, .vmx, .vmxf) is deleted: logs, lock files, VMware's scratch files.
 */
import { rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Step } from "../../runner/steps.js";
import type { OutputDirReady } from "../common/step-output-dir.js";
import { listFiles } from "../common/list-files.js";

export const KEEP_FILE_EXTENSIONS = [".nvram", ".vmdk", ".vmsd", ".vmx", ".vmxf"];

export function stepCleanFiles(): Step<OutputDirReady, object> {
  return {
    name: "clean files",
    async run(ctx, { outputDir }) {
      ctx.ui.say("Deleting unnecessary VMware files...");
      for (const file of await listFiles(outputDir)) {
        if (KEEP_FILE_EXTENSIONS.includes(path.extname(file))) continue;
        ctx.ui.message(`Deleting: ${file}`);
        try {
          await rm(file);
        } catch (e) {
          // VMware may remove its own files meanwhile: only a file still there is an error.
          if (await stat(file).then(() => true, () => false)) throw e;
        }
      }
      return {};
    },
  };
}
