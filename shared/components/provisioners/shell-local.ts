import { readShellLocalConfig, type ShellLocalConfig } from "../shell-local-config.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `shell-local` provisioner: runs commands or scripts on the machine running the build. */
export interface Config extends ShellLocalConfig {}

export const schema: ComponentSchema<Config> = {
  kind: "provisioner",
  type: "shell-local",
  prepare(raw, ctx) {
    return readShellLocalConfig(raw, ctx, { kind: "provisioner", wrapSingleExecuteCommand: false });
  },
};
