import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";

/** Packer's `file` builder: writes `content`, or copies `source`, to `target`. */
export interface Config {
  source?: string;
  content?: string;
  target: string;
}

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "file",
  needs: [],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder", interpolation: ctx.interpolation });
    const source = r.string("source");
    const content = r.string("content");
    const target = r.string("target", "");
    if (target === "") r.problem("target", "target required");
    if (source && content) r.problem("content", "Cannot specify source file AND content");
    if (!source && !content) ctx.warn?.("Both source file and contents are blank; target will have no content");
    r.finish();
    return { source: source || undefined, content: content || undefined, target };
  },
};
