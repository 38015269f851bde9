/**
 * Packer's StepOutputDir: the output directory must not exist (unless -force, which empties it).
 * On failure or cancel it is removed again, so a failed build leaves no partial disk behind;
 * `-on-error=abort` skips cleanups altogether and so keeps it.
 */
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Step } from "../../runner/steps.js";

export interface OutputDirReady {
  outputDir: string;
}

/** `outcome.succeeded` is set by the builder once the artifact is complete. */
export function stepOutputDir(dir: string, force: boolean, outcome: { succeeded: boolean }): Step<object, OutputDirReady> {
  let created = false;
  return {
    name: "output directory",
    async run(ctx) {
      const outputDir = path.resolve(ctx.workDir, dir);
      if (existsSync(outputDir)) {
        if (!force) throw new Error(`output_directory: '${dir}' already exists; remove it or build with -force`);
        ctx.ui.say("Deleting previous output directory...");
        await rm(outputDir, { recursive: true, force: true });
      }
      await mkdir(outputDir, { recursive: true });
      created = true;
      return { outputDir };
    },
    async cleanup(ctx, state) {
      if (outcome.succeeded || !created || !state.outputDir) return;
      ctx.ui.say("Deleting output directory...");
      await rm(state.outputDir, { recursive: true, force: true });
    },
  };
}

/**
 * The last step of a VM builder whose artifact is the output folder as its steps left it: from
 * here on the build succeeded, so stepOutputDir's cleanup (and the VM builders' own) keep what it made.
 */
export function stepMarkSucceeded(outcome: { succeeded: boolean }): Step<object, object> {
  return {
    name: "artifact",
    async run() {
      outcome.succeeded = true;
      return {};
    },
  };
}
