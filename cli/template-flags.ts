/**
 * The flags every template command shares (`-var`, `-var-file`, `-only`, `-except`) and the
 * path from them to planned builds, so build and validate read templates, and report what is
 * wrong with them, the same way (the loading itself lives in shared/validation/load-and-plan.ts,
 * which the controller uses too).
 */
import type { Template } from "../shared/template/model.js";
import { loadTemplateForReport, planTemplate, type Loaded, type Planned, type PlanInputs } from "../shared/validation/load-and-plan.js";
import { commaList, FlagError, type FlagSpecs, type ParsedFlags } from "./flags.js";
import type { CommandIO } from "./io.js";
import { initializeHclTemplate, parseHclTemplate, type PackerHclConfig } from "../shared/template/hcl2/packer/index.js";
import { formatHclDiagnostics } from "../shared/template/hcl2/syntax/index.js";
import { goStatErrorIn } from "../shared/components/go-stat-error.js";

export const templateFlagSpecs: FlagSpecs = {
  var: { kind: "list", help: "Variable for templates, can be used multiple times.", placeholder: "'key=value'", check: (kv) => (kv.includes("=") ? undefined : `No '=' value in arg: ${kv}`) },
  "var-file": { kind: "list", help: "JSON file containing user variables, can be used multiple times.", placeholder: "path" },
  only: { kind: "list", help: "Build only the specified builds (comma separated; * wildcards).", placeholder: "foo,bar,baz" },
  except: { kind: "list", help: "Run all builds and post-processors other than these.", placeholder: "foo,bar,baz" },
};

/**
 * Packer 1.6.6 tells JSON from HCL2 by the name (.pkr.hcl, .pkr.json) or else by stat-ing the path
 * for a folder, so a path that is not there stops at that stat, before any parsing, with
 * `"t.json": stat t.json: no such file or directory` (on stdout, exit 1).
 */
export function templatePathError(path: string, cwd: string): string | undefined {
  if (path.endsWith(".pkr.hcl") || path.endsWith(".pkr.json")) return undefined;
  const err = goStatErrorIn(cwd, path);
  return err === undefined ? undefined : `${JSON.stringify(path)}: ${err}`;
}

/**
 * A JSON template's `-var-file` that cannot be opened, in Packer 1.6.6's words: it opens the
 * files after parsing the template and prints Go's error alone (`open vars.json: no such file
 * or directory`). Bad content is left to the variables' own, placed, errors.
 */
export function varFileOpenError(flags: ParsedFlags, cwd: string): string | undefined {
  for (const file of flags.lists["var-file"] ?? []) {
    const err = goStatErrorIn(cwd, file);
    if (err !== undefined) return err.replace(/^stat /, "open ");
  }
  return undefined;
}

/** `-var k=v` pairs in command-line order. */
export function varPairs(flags: ParsedFlags): [string, string][] {
  return (flags.lists.var ?? []).map((kv) => {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new FlagError(`-var: expected 'key=value', got '${kv}'`);
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  });
}

export type { Loaded, Planned } from "../shared/validation/load-and-plan.js";

/** Parses the template file; a failure comes back as Packer's `Failed to parse template: …` text. */
export function loadForCommand(templatePath: string, cwd: string): Loaded {
  return loadTemplateForReport(templatePath, cwd);
}

/** The flags as planning inputs. Throws FlagError for a malformed flag. */
export function planInputs(flags: ParsedFlags): PlanInputs {
  return { vars: varPairs(flags), varFiles: flags.lists["var-file"] ?? [], only: commaList(flags.lists.only), except: commaList(flags.lists.except) };
}

/** Template checks, variables and plan, in Packer's order. Throws FlagError for a malformed flag. */
export function planForCommand(template: Template, flags: ParsedFlags, cwd: string, env: NodeJS.ProcessEnv): Planned {
  return planTemplate(
    template,
    { vars: varPairs(flags), varFiles: flags.lists["var-file"] ?? [], only: commaList(flags.lists.only), except: commaList(flags.lists.except) },
    cwd,
    env,
  );
}

/**
 * HCL2 `inspect` and `console`: flags → variables → the parsed template, initialised. Errors in
 * initialising (a failing validation, a bad build block) are left in the template: both commands
 * go on with what could be read, as Packer's do. Parse errors come back as the text to print.
 */
export async function loadHclForCommand(
  target: string,
  flags: ParsedFlags,
  io: Pick<CommandIO, "cwd" | "env">,
): Promise<{ config: PackerHclConfig; warningsText: string } | { flagError: string } | { errorText: string }> {
  const parsed = await parseHclForCommand(target, flags, io);
  if ("config" in parsed) await initializeHclTemplate(parsed.config);
  return parsed;
}

/** The first half of loadHclForCommand, for `init`, which (as Packer's) does not initialise. */
export async function parseHclForCommand(
  target: string,
  flags: ParsedFlags,
  io: Pick<CommandIO, "cwd" | "env">,
): Promise<{ config: PackerHclConfig; warningsText: string } | { flagError: string } | { errorText: string }> {
  let inputs: PlanInputs;
  try {
    inputs = planInputs(flags);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    return { flagError: e.message };
  }
  const parsed = await parseHclTemplate(target, io.cwd, { vars: inputs.vars, varFiles: inputs.varFiles, env: io.env });
  if (!parsed.config || parsed.diagnostics.some((d) => d.severity === "error")) return { errorText: formatHclDiagnostics(parsed.diagnostics, parsed.files) };
  // Warnings (a -var-file variable nobody declared) are printed first, as Packer's commands do.
  return { config: parsed.config, warningsText: formatHclDiagnostics(parsed.diagnostics.filter((d) => d.severity === "warning"), parsed.files) };
}
