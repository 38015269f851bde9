/**
 * The wild corpus (compat/wild: 58 templates from public repositories, read in place, never
 * copied): `validate [args] template.json` and `inspect template.json` in each template's folder,
 * in the clean environment they were recorded in. Agreement: the same exit status; for a failure,
 * every problem Packer listed is named by Kiln too (which build, which field, why); for a
 * successful inspect, the same stdout.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, COMPAT_DIR } from "./corpus.js";
import { sameProblem } from "./compare.js";
import { invoke } from "./invoke.js";
import type { CaseResult } from "./template-cases.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

export const WILD_DIR = join(COMPAT_DIR, "wild");

interface WildRecord {
  exit: number;
  output: string;
  /** Packer walked a Go map here: the order of listed problems or variables changes run to run. */
  order_varies?: boolean;
}

interface WildEntry {
  dir: string;
  args: string[];
  validate: WildRecord;
  inspect: WildRecord;
}

export function wildCorpusPresent(): boolean {
  return existsSync(join(WILD_DIR, "expected.json"));
}

export function loadWildEntries(): WildEntry[] {
  return JSON.parse(readFileSync(join(WILD_DIR, "expected.json"), "utf8")) as WildEntry[];
}

/**
 * The problems Packer listed: each `* …` item (with its continuation lines), or, for a failure
 * with no list (an unknown type, a parse error), each `Error…`/`Failed…` paragraph.
 */
export function packerProblems(output: string): string[] {
  const lines = output.split("\n");
  const items: string[] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    const item = /^\s*\* (.*)$/.exec(line);
    if (item) {
      if (current) items.push(current.join(" "));
      current = [item[1]];
    } else if (current && line.trim() !== "" && !/^(Error|Failed)/.test(line)) {
      current.push(line.trim());
    } else if (current) {
      items.push(current.join(" "));
      current = undefined;
    }
  }
  if (current) items.push(current.join(" "));
  if (items.length > 0) return items;
  return output.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, " ").trim()).filter((p) => p !== "" && !/^At line \d+/.test(p) && !/^\d+:/.test(p));
}

export async function runWildEntry(entry: WildEntry): Promise<CaseResult[]> {
  const cwd = join(WILD_DIR, entry.dir);
  const home = tempDirSync("kiln-wild-home-");
  const results: CaseResult[] = [];
  try {
    for (const [command, args, recorded] of [["validate", entry.args, entry.validate], ["inspect", [], entry.inspect]] as const) {
      const got = await invoke(["packer", command, ...args, "template.json"], { cwd, env: baseEnv(home) });
      const output = got.stdout + got.stderr;
      const label = `${command}${args.length > 0 ? ` ${args.join(" ")}` : ""}`;
      const id = `wild/${entry.dir}`;
      if (got.exitCode !== recorded.exit) {
        results.push({ id, label, agree: false, why: `exit ${got.exitCode}, Packer ${recorded.exit}: ${output.trim().split("\n").slice(0, 6).join(" | ")}` });
        continue;
      }
      if (recorded.exit !== 0) {
        const missing = packerProblems(recorded.output).filter((p) => !sameProblem(p, output));
        results.push(missing.length === 0 ? { id, label, agree: true } : { id, label, agree: false, why: `Kiln does not name: ${missing.join(" | ")}\n      Kiln: ${output.replace(/\s+/g, " ").slice(0, 600)}` });
        continue;
      }
      // Packer lists required variables in Go map order where order_varies is set: compare as sets.
      const sorted = (s: string): string => s.split("\n").sort().join("\n");
      const sameInspect = recorded.order_varies ? sorted(got.stdout) === sorted(recorded.output) : got.stdout === recorded.output;
      if (command === "inspect" && !sameInspect) {
        results.push({ id, label, agree: false, why: `inspect stdout differs from Packer's` });
        continue;
      }
      results.push({ id, label, agree: true });
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return results;
}
