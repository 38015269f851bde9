/**
 * The flags every template command shares (`-var`, `-var-file`, `-only`, `-except`) and the
 * path from them to planned builds, so build and validate read templates, and report what is
 * wrong with them, the same way.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { checkTemplate, loadTemplate, resolveVariables } from "../shared/template/index.js";
import { TemplateError } from "../shared/template/errors.js";
import type { Template } from "../shared/template/model.js";
import { planBuilds } from "../shared/plan/index.js";
import type { BuildSpec } from "../shared/plan/build-spec.js";
import type { Diagnostic } from "../shared/validation/diagnostics.js";
import { packerTemplateErrorText, packerTemplateProblemsText, templateErrorLocations } from "../shared/validation/template-error-text.js";
import { commaList, FlagError, type FlagSpecs, type ParsedFlags } from "./flags.js";

export const templateFlagSpecs: FlagSpecs = {
  var: { kind: "list", help: "Variable for templates, can be used multiple times.", placeholder: "'key=value'" },
  "var-file": { kind: "list", help: "JSON file containing user variables, can be used multiple times.", placeholder: "path" },
  only: { kind: "list", help: "Build only the specified builds (comma separated; * wildcards).", placeholder: "foo,bar,baz" },
  except: { kind: "list", help: "Run all builds and post-processors other than these.", placeholder: "foo,bar,baz" },
};

/** `-var k=v` pairs in command-line order. */
export function varPairs(flags: ParsedFlags): [string, string][] {
  return (flags.lists.var ?? []).map((kv) => {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new FlagError(`-var: expected 'key=value', got '${kv}'`);
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  });
}

export type Loaded = { ok: true; template: Template } | { ok: false; text: string; where: string[] };

/** Parses the template file; a failure comes back as Packer's `Failed to parse template: …` text. */
export function loadForCommand(templatePath: string, cwd: string): Loaded {
  try {
    return { ok: true, template: loadTemplate(resolve(cwd, templatePath), templatePath) };
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return { ok: false, text: `Failed to parse template: ${packerTemplateErrorText(e)}`, where: templateErrorLocations(e) };
  }
}

export type Planned = { ok: true; specs: BuildSpec[] } | { ok: false; diagnostics: Diagnostic[] };

/** Template checks, variables and plan, in Packer's order. Throws FlagError for a malformed flag. */
export function planForCommand(template: Template, flags: ParsedFlags, cwd: string, env: NodeJS.ProcessEnv): Planned {
  const problems = checkTemplate(template);
  if (problems.length > 0) {
    const where = problems.flatMap(templateErrorLocations).join("\n") || undefined;
    return { ok: false, diagnostics: [{ summary: "", detail: packerTemplateProblemsText(problems), where }] };
  }
  try {
    const initTime = new Date();
    const vars = resolveVariables(template, {
      vars: varPairs(flags),
      varFiles: (flags.lists["var-file"] ?? []).map((f) => resolve(cwd, f)),
      env,
      cwd,
      initTime,
    });
    const specs = planBuilds(template, vars, {
      only: commaList(flags.lists.only),
      except: commaList(flags.lists.except),
      initTime,
      runUuid: randomUUID(),
      cwd,
    });
    return { ok: true, specs };
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return { ok: false, diagnostics: [{ summary: "", detail: packerTemplateErrorText(e), where: templateErrorLocations(e).join("\n") || undefined }] };
  }
}
