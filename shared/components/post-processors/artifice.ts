import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `artifice` post-processor: makes the build's artifact a list of files named by the user. */
export interface Config {
  /** Paths or Go-style globs (`*`, `?`, `[...]`), relative to the working directory. */
  files: string[];
}

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "artifice",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "post-processor", interpolation: ctx.interpolation });
    const files = r.stringList("files");
    if (files.length === 0 && r.problems.length === 0) r.problem("files", "No files specified in artifice configuration");
    r.finish();
    return { files };
  },
};
