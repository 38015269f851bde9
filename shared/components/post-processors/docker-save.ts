import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `docker-save` post-processor: saves the image to a tar file. */
export interface Config {
  path: string;
}

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "docker-save",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "post-processor", interpolation: ctx.interpolation });
    // Packer 1.6.6 accepts an empty path at validation (the run fails creating the file).
    const path = r.string("path", "");
    r.finish();
    return { path };
  },
};
