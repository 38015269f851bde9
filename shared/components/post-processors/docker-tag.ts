import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `docker-tag` post-processor: tags the image of a docker build or import. */
export interface Config {
  repository: string;
  /** `tags` followed by the older `tag` (kept by Packer for compatibility). */
  tags: string[];
  force: boolean;
  /** The deprecated `tag` was given: Packer warns about it each time the post-processor runs. */
  deprecatedTag: boolean;
}

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "docker-tag",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "post-processor", interpolation: ctx.interpolation });
    const tag = r.stringList("tag");
    const config: Config = {
      repository: r.string("repository", ""),
      tags: [...r.stringList("tags"), ...tag],
      force: r.bool("force"),
      deprecatedTag: tag.length > 0,
    };
    r.finish();
    return config;
  },
};
