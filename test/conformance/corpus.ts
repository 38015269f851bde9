/** The conformance corpus recorded with Packer 1.6.6 (see its README): locations and shapes. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the corpus lives: KILN_COMPAT_DIR, else the shared checkout. */
// Compiled to dist/test/conformance/: the repository root is three levels up; the corpus sits beside it.
export const COMPAT_DIR = process.env.KILN_COMPAT_DIR ?? resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../../shared/compat");

export interface RecordedResult {
  argv: string[];
  exit_code: number;
  error_message: string | null;
  stdout: string;
  deterministic?: boolean;
  other_observed_stdout?: string[];
  label?: string;
  env?: Record<string, string | null>;
}

export interface TemplateEntry {
  id: string;
  kind: "json" | "hcl";
  cwd: string;
  env: Record<string, string>;
  validate_syntax_only: RecordedResult;
  validate: RecordedResult;
  inspect: RecordedResult;
  inspect_machine_readable: RecordedResult;
  additional_invocations?: RecordedResult[];
}

export interface InterpolationCase {
  id: string;
  expression: string;
  context: "builder-field" | "variable-default" | "provisioner-field" | "post-processor-field" | "amazon-ebs-ami_name" | "console";
  build_name?: string;
  args?: string[];
  env?: Record<string, string>;
  files?: Record<string, string>;
  template: unknown;
  argv: string[];
  stdin?: string;
  expected: { output?: string; output_regex?: string; error?: string };
}

export function loadTemplateEntries(kind: "json" | "hcl" = "json"): TemplateEntry[] {
  const d = JSON.parse(readFileSync(join(COMPAT_DIR, "expected.json"), "utf8")) as { templates: TemplateEntry[] };
  return d.templates.filter((e) => e.kind === kind);
}

export function loadInterpolationCases(): InterpolationCase[] {
  const d = JSON.parse(readFileSync(join(COMPAT_DIR, "interpolation.json"), "utf8")) as { cases: InterpolationCase[] };
  return d.cases;
}

export function loadHclConsoleCases(): { template: string; cases: import("./interpolation-cases.js").HclConsoleCase[] } {
  const d = JSON.parse(readFileSync(join(COMPAT_DIR, "interpolation.json"), "utf8")) as { hcl2_console: { template: string; cases: import("./interpolation-cases.js").HclConsoleCase[] } };
  return d.hcl2_console;
}

/** The environment the corpus was recorded in (README: emptied, then a few variables). */
export function baseEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, CHECKPOINT_DISABLE: "1", LANG: "C.UTF-8", TMPDIR: process.env.TMPDIR ?? "/tmp" };
}
