import { ConfigReader } from "../config-reader.js";
import { outputTemplateParseError } from "../output-path-template.js";
import type { ComponentSchema } from "../types.js";

/** The hash names Packer's checksum post-processor knows. */
export const CHECKSUM_TYPES = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"] as const;
export type ChecksumType = (typeof CHECKSUM_TYPES)[number];

/** Packer's `checksum` post-processor: writes `<hash>\t<file name>` lines, one file per hash type. */
export interface Config {
  checksumTypes: ChecksumType[];
  /** Rendered per type at run time with `.BuildName`, `.BuilderType` and `.ChecksumType`. */
  output: string;
}

export const DEFAULT_CHECKSUM_OUTPUT = "packer_{{.BuildName}}_{{.BuilderType}}_{{.ChecksumType}}.checksum";

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "checksum",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "post-processor", interpolation: ctx.interpolation, renderLater: ["output"] });
    // Only a missing (nil) list defaults to md5; an explicit empty list computes nothing, as in Packer.
    const given = r.value("checksum_types");
    const names = given === undefined || given === null ? ["md5"] : r.stringList("checksum_types");
    const checksumTypes: ChecksumType[] = [];
    for (const name of names) {
      if ((CHECKSUM_TYPES as readonly string[]).includes(name)) checksumTypes.push(name as ChecksumType);
      else r.problem("checksum_types", `Unrecognized checksum type: ${name}`);
    }
    const output = r.string("output", DEFAULT_CHECKSUM_OUTPUT);
    const parseError = outputTemplateParseError(output, ctx.interpolation, { BuildName: "", BuilderType: "", ChecksumType: "" });
    if (parseError !== undefined) r.problem("output", `Error parsing target template: ${parseError}`);
    r.finish();
    return { checksumTypes, output };
  },
};
