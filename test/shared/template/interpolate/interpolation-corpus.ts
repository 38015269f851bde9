// Loads the interpolation cases of the Packer 1.6.6 conformance corpus, which lives beside the
// repository (../shared/compat from the repo root) unless KILN_COMPAT_DIR says otherwise.
import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the repository root (package.json) above the test file");
    dir = parent;
  }
  return dir;
}

export const COMPAT_DIR = process.env.KILN_COMPAT_DIR ?? resolve(repoRoot(), "..", "shared", "compat");

/** Whether the cases are here: a plain clone of the repository has no ../shared. */
export const CASES_PRESENT = existsSync(join(COMPAT_DIR, "interpolation.json")) && existsSync(join(COMPAT_DIR, "sdk-interpolate-cases.json"));
if (!CASES_PRESENT) console.log(`interpolation-corpus: ${COMPAT_DIR} has no interpolation cases (set KILN_COMPAT_DIR), the tests that read them are skipped`);

/** `test` for a test that reads the cases: skipped, saying why once, when they are not here. */
export const casesTest = CASES_PRESENT ? test : test.skip;

export type CaseContext =
  | "builder-field"
  | "variable-default"
  | "provisioner-field"
  | "post-processor-field"
  | "amazon-ebs-ami_name"
  | "console";

export interface InterpolationCase {
  id: string;
  expression: string;
  context: CaseContext;
  variables?: Record<string, string | null>;
  build_name?: string;
  args?: string[];
  env?: Record<string, string>;
  files?: Record<string, string>;
  template: { builders: { type: string }[] };
  expected: { output?: string; output_regex?: string; error?: string };
}

export interface SdkCase {
  test: string;
  input: unknown;
  context?: {
    BuildName?: string;
    BuildType?: string;
    EnableEnv?: boolean;
    UserVariables?: Record<string, string>;
    TemplatePath?: string;
    Data?: Record<string, string> | null;
    CorePackerVersionString?: string;
  } | null;
  environment?: Record<string, string>;
  expected_output?: string;
  expected_output_check?: string;
  expected_error?: boolean;
  expected_functions_called?: string[];
  expected?: unknown;
  name?: string;
  filter?: unknown;
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(COMPAT_DIR, name), "utf8")) as T;
}

/** The corpus' cases; none when it is not here (their tests are then skipped). */
export function interpolationCases(): InterpolationCase[] {
  if (!CASES_PRESENT) return [];
  return readJson<{ cases: InterpolationCase[] }>("interpolation.json").cases;
}

export function sdkCases(): Record<string, SdkCase[]> {
  if (!CASES_PRESENT) return {};
  return readJson<{ cases: Record<string, SdkCase[]> }>("sdk-interpolate-cases.json").cases;
}

/** The "template: root:…" message inside one of Packer's wrapped error texts. */
export function templateMessage(packerError: string): string {
  const start = packerError.indexOf("template: root");
  const message = start < 0 ? packerError : packerError.slice(start);
  return message.replace(/ in:$/, "");
}
