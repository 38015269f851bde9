/**
 * Packer's `docker-save` post-processor: writes the image of an import or a tag to `path`
 * (`docker save`), and passes its input artifact on unchanged, as Packer does.
 */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { schema, type Config } from "../../../shared/components/post-processors/docker-save.js";
import { BUILDER_ID_IMPORT } from "../../builders/docker/index.js";
import { dockerEngine } from "../../builders/docker/engine.js";
import { BUILDER_ID_TAG } from "../docker-tag/index.js";
import type { PostProcessorPlugin } from "../types.js";

export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    if (input.builderId !== BUILDER_ID_IMPORT && input.builderId !== BUILDER_ID_TAG) {
      throw new Error(`Unknown artifact type: ${input.builderId}\nCan only save Docker builder artifacts.`);
    }
    // Packer validates an empty path and fails here, creating the file ("open : no such file…").
    if (config.path === "") throw new Error("Error creating output file: open : no such file or directory (set `path` to the tar file to write)");
    const target = resolve(ctx.workDir, config.path);
    ctx.ui.message(`Saving image: ${input.id}`);
    try {
      await pipeline(await dockerEngine().getImage(input.id).get(), createWriteStream(target), { signal: ctx.signal });
    } catch (e) {
      await rm(target, { force: true });
      throw new Error(`saving image ${input.id} to ${target} failed: ${(e as Error).message}`);
    }
    ctx.ui.message(`Saved to: ${config.path}`);
    return { artifact: input, keepInput: true };
  },
};
