/**
 * Packer's StepCreateFloppy: `floppy_files` and `floppy_dirs` on a 1.44 MB FAT12 image labelled
 * `floppy_label`, in the build's scratch folder, attached as the first floppy drive. Made with
 * mkfs.fat (dosfstools) and mcopy (mtools), so no loop mount and no root are needed.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { FloppyCdConfig } from "../../../shared/components/vm-config/floppy-cd.js";
import type { Step } from "../../runner/steps.js";
import { stageMediaFiles } from "./media-files.js";
import { runProgram } from "./run-program.js";

export interface FloppyReady {
  floppyPath?: string;
}

export function stepFloppy(config: { media: FloppyCdConfig }): Step<object, FloppyReady> {
  const made: { dir?: string } = {};
  return {
    name: "create floppy",
    async run(ctx) {
      const { floppyFiles, floppyDirs, floppyLabel } = config.media;
      if (floppyFiles.length === 0 && floppyDirs.length === 0) return {};
      ctx.ui.say("Creating floppy disk...");
      made.dir = path.join(ctx.scratchDir, "floppy");
      const root = path.join(made.dir, "root");
      await stageMediaFiles("floppy_files", floppyFiles, ctx.workDir, root);
      await stageMediaFiles("floppy_dirs", floppyDirs, ctx.workDir, root);
      const floppyPath = path.join(made.dir, "floppy.img");
      // FAT labels are at most 11 characters; longer ones are cut as Packer's FAT writer does.
      const label = floppyLabel.slice(0, 11);
      await runProgram("mkfs.fat", ["-C", "-n", label, floppyPath, "1440"], ctx.signal).catch((e: unknown) => {
        throw new Error(`floppy_files: making the floppy image failed (is dosfstools installed?): ${errorMessage(e)}`);
      });
      const entries = (await readdir(root)).sort().map((n) => path.join(root, n));
      if (entries.length > 0) {
        await runProgram("mcopy", ["-s", "-Q", "-i", floppyPath, ...entries, "::/"], ctx.signal).catch((e: unknown) => {
          throw new Error(`floppy_files: copying to the floppy failed (files larger than 1.44 MB? is mtools installed?): ${errorMessage(e)}`);
        });
      }
      await rm(root, { recursive: true, force: true });
      return { floppyPath };
    },
    async cleanup() {
      if (made.dir) await rm(made.dir, { recursive: true, force: true });
    },
  };
}
