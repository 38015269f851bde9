/**
 * Which files make an HCL2 template (hcl2template.GetHCL2Files): a `.pkr.hcl`/`.pkr.json` file,
 * or every such file in a folder (HCL ones first, each group sorted), plus the folder's
 * `*.auto.pkrvars.hcl`/`.json`; then each parsed with the syntax room.
 */
import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { HclDiagnostic, HclFile } from "../contract.js";
import { parseHclFile, parseHclJsonFile } from "../syntax/index.js";

export interface TemplateFileSet {
  /** Names as Packer prints them (the target as typed, joined with the file name in a folder). */
  hclFiles: string[];
  jsonFiles: string[];
}

/** True when `target` is something the HCL2 path reads (a folder, or a `.pkr.hcl`/`.pkr.json` file). */
export function isHcl2Target(target: string, cwd: string): boolean {
  if (target.endsWith(".pkr.hcl") || target.endsWith(".pkr.json")) return true;
  try {
    return statSync(resolve(cwd, target)).isDirectory();
  } catch {
    return false;
  }
}

/** Files of `target` with the given suffixes, as Packer lists them. */
export function filesWithSuffix(target: string, cwd: string, hclSuffix: string, jsonSuffix: string): TemplateFileSet {
  const abs = resolve(cwd, target);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    return { hclFiles: [], jsonFiles: [] };
  }
  if (!isDir) {
    if (target.endsWith(hclSuffix)) return { hclFiles: [target], jsonFiles: [] };
    if (target.endsWith(jsonSuffix)) return { hclFiles: [], jsonFiles: [target] };
    return { hclFiles: [], jsonFiles: [] };
  }
  const names = readdirSync(abs).sort();
  // ioutil.ReadDir's Lstat: only folders are skipped; a link to a folder or to nothing is listed
  // (and then cannot be read).
  const isFile = (n: string): boolean => {
    try {
      return !lstatSync(join(abs, n)).isDirectory();
    } catch {
      return false;
    }
  };
  return {
    hclFiles: names.filter((n) => n.endsWith(hclSuffix) && isFile(n)).map((n) => join(target, n)),
    jsonFiles: names.filter((n) => n.endsWith(jsonSuffix) && isFile(n)).map((n) => join(target, n)),
  };
}

/** Parses one file by its suffix (`.json` → HCL's JSON syntax). `name` is relative to cwd. */
export function parseTemplateFile(name: string, cwd: string): { file?: HclFile; diagnostics: HclDiagnostic[] } {
  let source: string;
  try {
    source = readFileSync(resolve(cwd, name), "utf8");
  } catch {
    // hclparse's words: the cause (missing, a folder, unreadable) is not given.
    return { diagnostics: [{ severity: "error", summary: "Failed to read file", detail: `The configuration file ${JSON.stringify(name)} could not be read.` }] };
  }
  return name.endsWith(".json") ? parseHclJsonFile(name, source) : parseHclFile(name, source);
}
