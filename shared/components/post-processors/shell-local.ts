import { readShellLocalConfig, type ShellLocalConfig } from "../shell-local-config.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `shell-local` post-processor: the provisioner's options, run once per input artifact. */
export interface Config extends ShellLocalConfig {}

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "shell-local",
  prepare(raw, ctx) {
    // A one-string execute_command is the post-processor's old form, run by `sh -c` (Packer).
    return readShellLocalConfig(raw, ctx, { kind: "post-processor", wrapSingleExecuteCommand: true });
  },
};
