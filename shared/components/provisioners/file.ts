import path from "node:path";
import { ConfigReader } from "../config-reader.js";
import { goStatError } from "../go-stat-error.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `file` provisioner: copies files or folders to (or, with `direction: download`, from) the machine. */
export interface Config {
  /** `source` and `sources`, as written; relative local paths resolve against the working directory. */
  sources: string[];
  /** Text to write to `destination` instead of copying a source (Packer 1.7+). */
  content?: string;
  destination: string;
  direction: "upload" | "download";
  /** The sources are made during the build: do not check they exist now. */
  generated: boolean;
}

export const schema: ComponentSchema<Config> = {
  kind: "provisioner",
  type: "file",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "provisioner", interpolation: ctx.interpolation });
    const source = r.string("source", "");
    const sources = r.stringList("sources");
    const content = r.has("content") ? r.string("content", "") : "";
    const destination = r.string("destination", "");
    const direction = r.string("direction", "upload");
    const generated = r.bool("generated");

    // Packer's checks and messages, in its order.
    if (direction !== "upload" && direction !== "download") r.problem("direction", "Direction must be one of: download, upload.");
    if (source !== "") sources.push(source);
    if (direction === "upload" && !generated) {
      for (const s of sources) {
        const why = goStatError(path.resolve(ctx.cwd, s), s);
        if (why) r.problem(r.has("source") ? "source" : "sources", `Bad source '${s}': ${why}`);
      }
    }
    if (sources.length > 0 && content !== "") r.problem("content", "source(s) conflicts with content.");
    // Packer has no meaning for content when downloading; say so instead of doing something odd.
    if (content !== "" && direction === "download") r.problem("content", 'content can only be used with "direction": "upload"');
    if (sources.length === 0 && content === "") r.problem("source", "Source must be specified.");
    if (destination === "") r.problem("destination", "Destination must be specified.");
    r.finish();
    return {
      sources,
      content: content === "" ? undefined : content,
      destination,
      direction: direction === "download" ? "download" : "upload",
      generated,
    };
  },
};
