/** Packer's StepExport: the container's filesystem as a tar file at `export_path`. */
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Config } from "../../../shared/components/builders/docker.js";
import type { Step } from "../../runner/steps.js";
import type { ContainerStarted } from "./step-run-container.js";

export interface Exported {
  exportFile: string;
}

export function stepExport(config: Config & { exportPath: string }): Step<ContainerStarted, Exported> {
  return {
    name: "export",
    async run(ctx, state) {
      const exportFile = path.resolve(ctx.workDir, config.exportPath);
      ctx.ui.say("Exporting the container");
      await mkdir(path.dirname(exportFile), { recursive: true });
      try {
        await pipeline(await state.container.export(), createWriteStream(exportFile), { signal: ctx.signal });
      } catch (e) {
        await rm(exportFile, { force: true });
        throw new Error(`exporting the container to ${exportFile} failed: ${(e as Error).message}`);
      }
      return { exportFile };
    },
  };
}
