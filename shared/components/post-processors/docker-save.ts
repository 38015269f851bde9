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
    const path = r.string("path", "");
    if (path === "") r.problem("path", "path is required: the file the image is saved to");
    r.finish();
    return { path };
  },
};
