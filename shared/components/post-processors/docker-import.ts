import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `docker-import` post-processor: imports an exported container tarball as an image. */
export interface Config {
  repository: string;
  tag?: string;
  changes: string[];
}

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "docker-import",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "post-processor", interpolation: ctx.interpolation });
    const config: Config = { repository: r.string("repository", ""), tag: r.string("tag") || undefined, changes: r.stringList("changes") };
    r.finish();
    return config;
  },
};
