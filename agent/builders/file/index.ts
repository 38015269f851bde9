import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { schema, type Config } from "../../../shared/components/builders/file.js";
import type { BuilderPlugin } from "../types.js";

/** Writes or copies one file; like Packer's it runs no provisioners and says nothing. */
export const plugin: BuilderPlugin<Config> = {
  schema,
  async run(ctx, config) {
    const target = resolve(ctx.workDir, config.target);
    await mkdir(dirname(target), { recursive: true });
    try {
      if (config.source !== undefined) await copyFile(resolve(ctx.workDir, config.source), target);
      else await writeFile(target, config.content ?? "");
    } catch (e) {
      await rm(target, { force: true });
      throw e;
    }
    return {
      builderId: "packer.file",
      id: config.target,
      files: [config.target],
      description: `Stored file: ${config.target}`,
    };
  },
};
