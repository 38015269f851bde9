import { ConfigReader } from "../config-reader.js";
import { outputTemplateParseError } from "../output-path-template.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `compress` post-processor: packs the artifact's files into one archive. */
export interface Config {
  /** Rendered at run time with `.BuildName` and `.BuilderType`. */
  output: string;
  /** "tar" and "zip" hold every input file; "none" compresses the single input file as is. */
  archive: "tar" | "zip" | "none";
  algorithm: "gzip" | "none";
  /** zlib level for gzip, 1–9 (Packer: above 9 means 9; 0 and -1 mean the default, 6). */
  compressionLevel: number;
}

export const DEFAULT_COMPRESS_OUTPUT = "packer_{{.BuildName}}_{{.BuilderType}}";

/** Packer 1.6.6 also knew these (through Go libraries); Kiln does not write them yet. */
const UNSUPPORTED_ALGORITHMS = new Set(["lz4", "bgzf", "xz"]);

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "compress",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "post-processor", interpolation: ctx.interpolation, renderLater: ["output"] });
    const output = r.string("output", DEFAULT_COMPRESS_OUTPUT);
    const format = r.string("format", "");
    let compressionLevel = r.int("compression_level", 0);
    if (compressionLevel > 9) compressionLevel = 9;
    if (compressionLevel === 0 || compressionLevel === -1) compressionLevel = 6;

    const parseError = outputTemplateParseError(output, ctx.interpolation, { BuildName: "", BuilderType: "" });
    if (parseError !== undefined) r.problem("output", `Error parsing target template: ${parseError}`);

    const detected = detectFormat(format === "" ? output : `${output}.${format}`);
    let algorithm: Config["algorithm"] = "none";
    if (detected.algorithm !== undefined && UNSUPPORTED_ALGORITHMS.has(detected.algorithm)) {
      r.problem(
        format === "" ? "output" : "format",
        `${detected.algorithm} compression is not supported by Kiln yet (output "${output}"): use .tar.gz, .tgz, .gz, .tar or .zip`,
      );
    } else if (detected.algorithm === "gzip") {
      algorithm = "gzip";
      if (compressionLevel < 1) r.problem("compression_level", "Invalid compression level. Expected an integer from -1 to 9.");
    }
    // Packer's decoder takes these (fields of its config), then overwrites them from the output's extension.
    r.accept("archive", "algorithm");
    r.finish();
    return { output, archive: detected.archive, algorithm, compressionLevel };
  },
};

/**
 * Packer's detection: the last two `.ext` groups of the (unrendered) name decide. `.tar`/`.zip`
 * last is an uncompressed archive; `tar` before a compression extension makes a compressed
 * tarball; a compression extension alone compresses one file; anything else, or no extension at
 * all, is a gzipped tarball under the name as given (so `.tgz` works too).
 */
export function detectFormat(name: string): { archive: Config["archive"]; algorithm?: string } {
  const extensions = [...name.matchAll(/\.([a-z0-9]+)/g)].map((m) => m[1]!);
  const last = extensions.at(-1);
  const beforeLast = extensions.at(-2);
  if (last === undefined) return { archive: "tar", algorithm: "gzip" };
  if (last === "zip" || last === "tar") return { archive: last };
  const algorithm = ({ gz: "gzip", lz4: "lz4", bgzf: "bgzf", xz: "xz" } as Record<string, string>)[last];
  if (algorithm === undefined) return { archive: "tar", algorithm: "gzip" };
  return { archive: beforeLast === "tar" ? "tar" : "none", algorithm };
}
