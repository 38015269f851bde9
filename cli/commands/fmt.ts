/**
 * `kiln fmt [options] PATH|-`: `packer fmt` 1.6.6 — rewrites `*.pkr.hcl` and `*.pkrvars.hcl` files
 * to the canonical HCL format (hclwrite's), printing the name of each file it changes. Later
 * Packer's `-recursive` and `-` (stdin to stdout) are supported too. Errors go to stdout as in
 * Packer; exit status 0, 1 on errors, 3 when `-check` finds files to format.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { HclDiagnostic, HclFile } from "../../shared/template/hcl2/contract.js";
// checkHclSyntax, not parseHclFile: formatting needs hcl's token stream only, so fmt never loads
// the tree-sitter wasm.
import { checkHclSyntax, formatHcl, formatHclDiagnostics } from "../../shared/template/hcl2/syntax/index.js";
import { goStatErrorIn } from "../../shared/components/go-stat-error.js";
import { errorMessage } from "../../shared/error-message.js";
import { formatFlagHelp, parseCommandFlags, type FlagSpecs } from "../flags.js";
import type { Command, CommandIO } from "../io.js";

const flagSpecs: FlagSpecs = {
  check: { kind: "bool", help: "Check if the input is formatted. Exit status will be 0 if all input is properly formatted, 3 if not, 1 on errors." },
  diff: { kind: "bool", help: "Display diffs of formatting changes (unified diff, as `diff -u`)." },
  write: { kind: "bool", help: "Write formatted files back (default true; -write=false to only list them; always off with -check or -)." },
  recursive: { kind: "bool", help: "Also process files in subdirectories of TEMPLATE." },
};

/** The flags packer fmt 1.6.6 has, listed first in its own words. */
const packerFmtFlags = ["check", "diff", "write"];

export const help = `Usage: kiln fmt [options] [TEMPLATE]

  Rewrites all Packer configuration files to a canonical format. Both
  configuration files (.pkr.hcl) and variable files (.pkrvars.hcl) are updated.
  JSON files (.json) are not modified.

  If TEMPATE is "." the current directory will be used. The given content must
  be in Packer's HCL2 configuration language; JSON is not supported.

Options:
  -check        Check if the input is formatted. Exit status will be 0 if all
                 input is properly formatted and non-zero otherwise.

  -diff         Display diffs of formatting change

  -write=false  Don't write to source files
                (always disabled if using -check)

Kiln options:

${formatFlagHelp(flagSpecs, packerFmtFlags)}

Kiln: if TEMPLATE is "-", the template is read from standard input and the
formatted result is written to standard output. The names of files that were
(or, with -check or -write=false, would be) changed are printed.

Exit status: 0 when done, 1 on an error (bad flags, unreadable path, a file
that does not parse), 3 when -check finds a file that is not formatted.`;

const HCL_SUFFIX = ".pkr.hcl";
const VARS_SUFFIX = ".pkrvars.hcl";

export const run: Command = async (argv, io) => {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "fmt", help, template: "required", packer: true });
  if (!flags) return 1;
  const check = flags.bools.check === true;
  const write = !check && flags.bools.write !== false;
  const showDiff = flags.bools.diff === true;
  const target = flags.rest[0];

  if (target === "-") {
    const source = await readAll(io.stdin);
    const { diagnostics, file } = checkHclSyntax("<stdin>", source);
    if (diagnostics.some((d) => d.severity === "error")) {
      io.stdout.write(formatHclDiagnostics(diagnostics, new Map([[file.name, file]])));
      return 1;
    }
    const out = formatHcl(source);
    if (check) return out === source ? 0 : 3;
    if (showDiff && out !== source) io.stdout.write(await unifiedDiff(source, out, "<stdin>"));
    else io.stdout.write(out);
    return 0;
  }

  const files = listFiles(target, flags.bools.recursive === true, io);
  if ("error" in files) {
    // Packer's Ui.Error adds a newline to the diagnostics' text.
    io.stdout.write(`${formatHclDiagnostics([files.error], new Map())}\n`);
    return 1;
  }
  const diagnostics: HclDiagnostic[] = [];
  const parsed = new Map<string, HclFile>();
  let modified = 0;
  for (const name of files.names) {
    let source: string;
    try {
      source = readFileSync(resolve(io.cwd, name), "utf8");
    } catch (e) {
      diagnostics.push({
        severity: "error",
        summary: `encountered an error while formatting ${name}`,
        detail: `failed to read ${name}: ${(e as Error).message}`,
      });
      continue;
    }
    const { file, diagnostics: parseDiags } = checkHclSyntax(name, source);
    if (parseDiags.some((d) => d.severity === "error")) {
      // Packer says only "failed to parse HCL"; the parser's own diagnostics say where.
      parsed.set(name, file);
      diagnostics.push(
        { severity: "error", summary: `encountered an error while formatting ${name}`, detail: `failed to parse HCL ${name}` },
        ...parseDiags,
      );
      continue;
    }
    const out = formatHcl(source);
    if (out === source) continue;
    modified++;
    io.stdout.write(`${name}\n`);
    if (write) writeFileSync(resolve(io.cwd, name), out);
    if (showDiff) io.stdout.write(await unifiedDiff(source, out, name));
  }
  if (diagnostics.length > 0) {
    io.stdout.write(formatHclDiagnostics(diagnostics, parsed));
    return 1;
  }
  return check && modified > 0 ? 3 : 0;
};

/** Packer's GetHCL2Files for both suffixes: configuration files first, then variable files. */
function listFiles(target: string, recursive: boolean, io: CommandIO): { names: string[] } | { error: HclDiagnostic } {
  let isDir: boolean;
  try {
    isDir = statSync(resolve(io.cwd, target)).isDirectory();
  } catch (e) {
    // Packer 1.6.6's words, its "wether" included, and Go's stat error for the path as given.
    const detail = goStatErrorIn(io.cwd, target) ?? errorMessage(e);
    return { error: { severity: "error", summary: `Cannot tell wether ${target} is a directory`, detail } };
  }
  let names: string[];
  if (!isDir) names = target.endsWith(HCL_SUFFIX) || target.endsWith(VARS_SUFFIX) ? [target] : [];
  else {
    const all: string[] = [];
    const walk = (dir: string) => {
      const entries = readdirSync(resolve(io.cwd, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const e of entries) if (e.isFile()) all.push(join(dir, e.name));
      if (recursive) for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
    };
    try {
      walk(target);
    } catch (e) {
      return { error: { severity: "error", summary: "Cannot read hcl directory", detail: (e as Error).message } };
    }
    names = [...all.filter((n) => n.endsWith(HCL_SUFFIX)), ...all.filter((n) => n.endsWith(VARS_SUFFIX))];
  }
  if (names.length === 0) {
    return { error: { severity: "error", summary: `Cannot tell whether ${target} contains HCL2 configuration data` } };
  }
  return { names };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** The unified diff Packer prints: `diff -u` with old/ and new/ labels. */
async function unifiedDiff(before: string, after: string, name: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "kiln-fmt-"));
  try {
    writeFileSync(join(dir, "old"), before);
    writeFileSync(join(dir, "new"), after);
    try {
      const { stdout } = await promisify(execFile)("diff", [`--label=old/${name}`, `--label=new/${name}`, "-u", join(dir, "old"), join(dir, "new")]);
      return stdout;
    } catch (e) {
      // diff exits 1 when the files differ; its output is what we want.
      const out = (e as { stdout?: string }).stdout;
      if (out) return out;
      throw e;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
