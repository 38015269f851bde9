import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The Packer 1.6.6 conformance corpus (templates and what real Packer printed for each).
 * KILN_COMPAT_DIR points at it; the default is where the project keeps it.
 */
// Compiled to dist/test/shared/template/: the repository root is four levels up; the corpus sits beside it.
export const COMPAT_DIR = process.env.KILN_COMPAT_DIR ?? resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../../../shared/compat");
export const JSON_TEMPLATES_DIR = join(COMPAT_DIR, "templates", "json");

/** Whether the corpus is here: a plain clone of the repository has no ../shared. */
export const CORPUS_PRESENT = existsSync(join(COMPAT_DIR, "expected.json"));
if (!CORPUS_PRESENT) console.log(`compat-corpus: ${COMPAT_DIR} is not here (set KILN_COMPAT_DIR), the tests that read it are skipped`);

/** `test` for a test that reads the corpus: skipped, saying why once, when the corpus is not here. */
export const corpusTest = CORPUS_PRESENT ? test : test.skip;

export interface PackerResult {
  argv: string[];
  exit_code: number;
  first_error_line: string | null;
  error_message: string | null;
  stdout: string;
  label?: string;
  env?: Record<string, string | null>;
}

export interface CorpusEntry {
  id: string;
  kind: "json" | "hcl";
  path: string;
  target: string;
  args: string[];
  env: Record<string, string>;
  valid: boolean;
  validate_syntax_only: PackerResult;
  validate: PackerResult;
  additional_invocations?: PackerResult[];
}

export function jsonCorpus(): CorpusEntry[] {
  const expected = JSON.parse(readFileSync(join(COMPAT_DIR, "expected.json"), "utf8")) as { templates: CorpusEntry[] };
  return expected.templates.filter((e) => e.kind === "json");
}

export function corpusEntry(id: string): CorpusEntry {
  const entry = jsonCorpus().find((e) => e.id === `json/${id}`);
  if (!entry) throw new Error(`no corpus entry json/${id}`);
  return entry;
}

export function templatePath(entry: CorpusEntry): string {
  return join(COMPAT_DIR, entry.path);
}

/** `-var k=v` and `-var-file=p` of a Packer argv (paths relative to the corpus' json folder). */
export function variableArgs(argv: readonly string[]): { vars: [string, string][]; varFiles: string[] } {
  const vars: [string, string][] = [];
  const varFiles: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-var") {
      const kv = argv[++i];
      const eq = kv.indexOf("=");
      vars.push([kv.slice(0, eq), kv.slice(eq + 1)]);
    } else if (a.startsWith("-var-file=")) {
      varFiles.push(a.slice("-var-file=".length));
    }
  }
  return { vars, varFiles };
}

/** `-only=a,b` / `-except=a,b` of a Packer argv. */
export function selectionArgs(argv: readonly string[]): { only: string[]; except: string[] } {
  const pick = (flag: string) =>
    argv.filter((a) => a.startsWith(`-${flag}=`)).flatMap((a) => a.slice(flag.length + 2).split(",").filter((x) => x !== ""));
  return { only: pick("only"), except: pick("except") };
}
