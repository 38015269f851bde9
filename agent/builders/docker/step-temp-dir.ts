/**
 * Packer's StepTempDir: the host folder shared with the build container at `container_dir`
 * (a folder of the build's scratch folder here, removed with it).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Step } from "../../runner/steps.js";

export interface TempDirMade {
  tempDir: string;
}

export function stepTempDir(): Step<object, TempDirMade> {
  return {
    name: "temp dir",
    async run(ctx) {
      ctx.ui.say("Creating a temporary directory for sharing data...");
      const tempDir = path.join(ctx.scratchDir, "packer-files");
      await mkdir(tempDir, { recursive: true });
      return { tempDir };
    },
  };
}
