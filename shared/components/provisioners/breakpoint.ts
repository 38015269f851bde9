import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `breakpoint` provisioner: pauses the build until the user presses Enter. */
export interface Config {
  note: string;
  disable: boolean;
}

export const schema: ComponentSchema<Config> = {
  kind: "provisioner",
  type: "breakpoint",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "provisioner", interpolation: ctx.interpolation });
    const config: Config = { note: r.string("note", ""), disable: r.bool("disable") };
    r.finish();
    return config;
  },
};
