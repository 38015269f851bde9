import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { ConfigReader } from "../config-reader.js";
import { goStatErrorIn } from "../go-stat-error.js";

/** Packer's FloppyConfig and CDConfig: extra files handed to the installer on a floppy or a CD. */
export interface FloppyCdConfig {
  floppyFiles: string[];
  floppyDirs: string[];
  floppyLabel: string;
  cdFiles: string[];
  /** `cd_content`: path on the CD → file content (a later Packer key; accepted here too). */
  cdContent: Record<string, string>;
  cdLabel?: string;
}

const hasGlob = (p: string): boolean => /[*?[]/.test(p);

export function readFloppyCdConfig(r: ConfigReader, cwd: string, opts: { cd: boolean }): FloppyCdConfig {
  const c: FloppyCdConfig = {
    floppyFiles: r.stringList("floppy_files"),
    floppyDirs: r.stringList("floppy_dirs"),
    floppyLabel: r.string("floppy_label", "packer"),
    cdFiles: opts.cd ? r.stringList("cd_files") : [],
    cdContent: opts.cd ? r.stringMap("cd_content") : {},
    cdLabel: opts.cd ? r.string("cd_label") || undefined : undefined,
  };
  for (const f of c.floppyFiles) {
    if (hasGlob(f)) continue;
    const why = f === "" ? goStatErrorIn(cwd, f) : statProblem(resolve(cwd, f), "file", f);
    if (why) r.problem("floppy_files", `Bad Floppy disk file '${f}': ${why}`);
  }
  for (const d of c.floppyDirs) {
    if (hasGlob(d)) continue;
    const why = statProblem(resolve(cwd, d), "dir", d);
    if (why) r.problem("floppy_dirs", `Bad Floppy disk directory '${d}': ${why}`);
  }
  // CDConfig.Prepare, after FloppyConfig's: every entry that is not a glob must exist.
  for (const f of c.cdFiles) {
    if (hasGlob(f)) continue;
    const why = goStatErrorIn(cwd, f);
    if (why) r.problem("cd_files", `Bad CD disk file '${f}': ${why}`);
  }
  return c;
}

/** `shown`: the path as the template wrote it, which Packer's stat error repeats. */
function statProblem(path: string, want: "file" | "dir", shown: string): string | undefined {
  try {
    const st = statSync(path);
    if (want === "dir" && !st.isDirectory()) return "not a directory";
    return undefined;
  } catch {
    return `stat ${shown}: no such file or directory`;
  }
}
