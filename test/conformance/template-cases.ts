/** The JSON template entries of expected.json: four commands each, plus recorded extra invocations. */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, COMPAT_DIR, type RecordedResult, type TemplateEntry } from "./corpus.js";
import { normaliseOutput, sameProblem, sameStdout, sameValidateStdout } from "./compare.js";
import { invoke } from "./invoke.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

export interface CaseResult {
  id: string;
  label: string;
  agree: boolean;
  why?: string;
  /**
   * A failing command's stdout is Packer's byte for byte, once Kiln's own `file:line:col (field
   * "x")` lines are taken out (agreement itself only asks for the same problems named).
   */
  exact?: boolean;
}

/** Kiln writes where a problem is under Packer's text: not part of the comparison of the text. */
const withoutKilnLocations = (stdout: string): string => stdout.replace(/^\S+:\d+:\d+( \(field "[^"]*"\))?\n\n?/gm, "");

function labelOf(r: RecordedResult): string {
  return r.argv.slice(1, -1).filter((a) => !a.includes("=") || a.startsWith("-syntax") || a.startsWith("-only") || a.startsWith("-except") || a.startsWith("-var-file"))
    .filter((a) => a !== "-var").join(" ");
}

export async function runTemplateEntry(entry: TemplateEntry): Promise<CaseResult[]> {
  const cwd = join(COMPAT_DIR, entry.cwd);
  const home = tempDirSync("kiln-conformance-home-");
  const results: CaseResult[] = [];
  const standard: [string, RecordedResult][] = [
    ["validate -syntax-only", entry.validate_syntax_only],
    ["validate", entry.validate],
    ["inspect", entry.inspect],
    ["inspect -machine-readable", entry.inspect_machine_readable],
  ];
  const extra: [string, RecordedResult][] = (entry.additional_invocations ?? []).map((r) => [r.label ?? labelOf(r), r]);
  for (const [label, recorded] of [...standard, ...extra]) {
    const env: NodeJS.ProcessEnv = { ...baseEnv(home), ...entry.env };
    for (const [k, v] of Object.entries(recorded.env ?? {})) {
      if (v === null) delete env[k];
      else env[k] = v;
    }
    const got = await invoke(recorded.argv, { cwd, env });
    const stdout = normaliseOutput(got.stdout, cwd);
    const exact = got.exitCode === recorded.exit_code && [recorded.stdout, ...(recorded.other_observed_stdout ?? [])].some((e) => sameValidateStdout(e, withoutKilnLocations(stdout)));
    results.push({ id: entry.id, label, ...judge(recorded, got.exitCode, stdout), exact });
  }
  rmSync(home, { recursive: true, force: true });
  return results;
}

function judge(recorded: RecordedResult, exitCode: number, stdout: string): { agree: boolean; why?: string } {
  if (exitCode !== recorded.exit_code) {
    return { agree: false, why: `exit ${exitCode}, Packer ${recorded.exit_code}: ${stdout.trim().split("\n").slice(0, 4).join(" | ")}` };
  }
  if (recorded.exit_code !== 0) {
    const expected = recorded.error_message ?? "";
    return sameProblem(expected, stdout) ? { agree: true } : { agree: false, why: `Packer: ${expected}\n      Kiln:   ${stdout.trim().replace(/\s+/g, " ").slice(0, 400)}` };
  }
  const variants = [recorded.stdout, ...(recorded.other_observed_stdout ?? [])];
  if (sameStdout(variants, stdout)) return { agree: true };
  return { agree: false, why: `stdout differs:\n${diffHint(recorded.stdout, stdout)}` };
}

function diffHint(expected: string, actual: string): string {
  const e = expected.split("\n");
  const a = actual.split("\n");
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return `      line ${i + 1}: Packer ${JSON.stringify(e[i])}\n               Kiln   ${JSON.stringify(a[i])}`;
  }
  return "";
}
