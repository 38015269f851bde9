import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `docker-tag` post-processor: tags the image of a docker build or import. */
export interface Config {
  repository: string;
  /** `tags` followed by the older `tag` (kept by Packer for compatibility). */
  tags: string[];
  force: boolean;
}

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "docker-tag",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "post-processor", interpolation: ctx.interpolation });
    const config: Config = {
      repository: r.string("repository", ""),
      tags: [...r.stringList("tags"), ...r.stringList("tag")],
      force: r.bool("force"),
    };
    r.finish();
    return config;
  },
};
