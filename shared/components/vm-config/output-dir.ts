import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ConfigReader } from "../config-reader.js";

/**
 * Packer's OutputConfig: `output_directory` defaults to `output-<build name>` and must not exist
 * yet (a later `-force` build removes it; validate has no -force).
 */
export function readOutputDirectory(r: ConfigReader, cwd: string, buildName: string, force = false): string {
  const dir = r.string("output_directory", "") || `output-${buildName}`;
  if (!force && existsSync(resolve(cwd, dir))) {
    r.problem("output_directory", `Output directory '${dir}' already exists. It must not exist.`);
  }
  return dir;
}
