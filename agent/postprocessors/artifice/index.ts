import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { schema, type Config } from "../../../shared/components/post-processors/artifice.js";
import type { PostProcessorPlugin } from "../types.js";
import { goGlob } from "./go-glob.js";

/**
 * Packer's `artifice` post-processor: the build's artifact becomes the files the template names
 * (globs allowed), typically ones a provisioner downloaded. It keeps its input unless the
 * template's `keep_input_artifact` says otherwise.
 */
export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    if (input.files.length > 0) ctx.ui.say(`Discarding files from artifact: ${input.files.join(", ")}`);
    const files: string[] = [];
    for (const pattern of config.files) {
      for (const f of await goGlob(pattern, ctx.workDir)) {
        try {
          await stat(resolve(ctx.workDir, f));
        } catch (e) {
          throw new Error(`artifice: cannot use ${f} (from "${pattern}"): ${(e as Error).message}`);
        }
        files.push(f);
      }
    }
    ctx.ui.say(`Using these artifact files: ${files.join(", ")}`);
    return {
      artifact: {
        builderId: "packer.post-processor.artifice",
        id: "",
        files,
        description: `Created artifact from files: ${files.join(", ")}`,
      },
      keepInput: true,
    };
  },
};
