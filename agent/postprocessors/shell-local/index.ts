import { schema, type Config } from "../../../shared/components/post-processors/shell-local.js";
import { runShellLocal } from "../../local-shell/index.js";
import type { PostProcessorPlugin } from "../types.js";

/**
 * Packer's `shell-local` post-processor. It passes its input on and forces it to be kept: to
 * replace the artifact, chain an `artifice` post-processor after it (Packer's advice).
 */
export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    await runShellLocal(ctx, config, ctx.generated);
    return { artifact: input, keepInput: true, forceKeepInput: true };
  },
};
