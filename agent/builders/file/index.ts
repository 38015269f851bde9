import { copyFile, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { schema, type Config } from "../../../shared/components/builders/file.js";
import { DiscardCommunicator } from "../../communicators/discard.js";
import type { BuilderPlugin } from "../types.js";

/**
 * Writes or copies one file, then runs the provisioners as Packer's does: against a communicator
 * with no machine behind it (Packer's MockCommunicator), so shell-local provisioners do their work.
 */
export const plugin: BuilderPlugin<Config> = {
  schema,
  async run(ctx, config) {
    const target = resolve(ctx.workDir, config.target);
    await mkdir(dirname(target), { recursive: true });
    try {
      if (config.source !== undefined) {
        const source = resolve(ctx.workDir, config.source);
        ctx.ui.say(`Copying ${config.source} to ${config.target}`);
        await copyFile(source, target);
        ctx.ui.say(`Copied ${(await stat(target)).size} bytes`);
      } else {
        await writeFile(target, config.content ?? "", { mode: 0o600 });
      }
    } catch (e) {
      await rm(target, { force: true });
      throw e;
    }
    await ctx.provision(new DiscardCommunicator(), {}, "hook");
    return {
      builderId: "packer.file",
      id: "File", // Packer's FileArtifact.Id()
      files: [config.target],
      description: `Stored file: ${config.target}`,
    };
  },
};
