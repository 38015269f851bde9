/**
 * The flags every template command shares (`-var`, `-var-file`, `-only`, `-except`) and the
 * path from them to planned builds, so build, validate and inspect read templates the same way.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { loadTemplate, resolveVariables, checkTemplate, TemplateErrors } from "../shared/template/index.js";
import { planBuilds } from "../shared/plan/index.js";
import type { BuildSpec } from "../shared/plan/build-spec.js";
import type { Template } from "../shared/template/model.js";
import { commaList, FlagError, type FlagSpecs, type ParsedFlags } from "./flags.js";

export const templateFlagSpecs: FlagSpecs = {
  var: { kind: "list", help: "Variable for templates, can be used multiple times.", placeholder: "'key=value'" },
  "var-file": { kind: "list", help: "JSON file containing user variables, can be used multiple times.", placeholder: "path" },
  only: { kind: "list", help: "Build only the specified builds (comma separated, glob patterns).", placeholder: "foo,bar,baz" },
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

export interface PlannedTemplate {
  template: Template;
  specs: BuildSpec[];
}

/** Loads, checks, resolves variables and plans, in Packer's order. Throws TemplateError (TemplateErrors for several). */
export function loadAndPlan(templatePath: string, flags: ParsedFlags, cwd: string, env: NodeJS.ProcessEnv): PlannedTemplate {
  const template = loadTemplate(resolve(cwd, templatePath), templatePath);
  const problems = checkTemplate(template);
  if (problems.length > 0) throw new TemplateErrors(problems);
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
  return { template, specs };
}
