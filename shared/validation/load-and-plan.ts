/**
 * From a template file to planned builds, with failures as the text `packer validate` prints.
 * The CLI (validate, build) and the controller (SubmitBuild) both go this way, so a farm refuses a
 * template with exactly the errors a local `kiln validate` shows.
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { checkTemplate, loadTemplate, resolveVariables } from "../template/index.js";
import { TemplateError } from "../template/errors.js";
import type { Template } from "../template/model.js";
import { planBuilds } from "../plan/index.js";
import type { BuildSpec } from "../plan/build-spec.js";
import type { Diagnostic } from "./diagnostics.js";
import { checkHclTemplate, type HclChecked } from "../template/hcl2/packer/index.js";
import { packerTemplateErrorText, packerTemplateProblemsText, templateErrorLocations } from "./template-error-text.js";

export type Loaded = { ok: true; template: Template } | { ok: false; text: string; where: string[] };

/**
 * Parses the template file (`templatePath` relative to `cwd`, shown as typed); a failure comes
 * back as Packer's `Failed to parse template: …` text.
 */
export function loadTemplateForReport(templatePath: string, cwd: string, displayPath = templatePath): Loaded {
  try {
    return { ok: true, template: loadTemplate(resolve(cwd, templatePath), displayPath) };
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return { ok: false, text: `Failed to parse template: ${packerTemplateErrorText(e)}`, where: templateErrorLocations(e) };
  }
}

export interface PlanInputs {
  /** `-var k=v` pairs in command-line order. */
  vars: [string, string][];
  /** `-var-file` paths (relative to cwd), in command-line order. */
  varFiles: string[];
  only: string[];
  except: string[];
}

export type Planned = { ok: true; specs: BuildSpec[] } | { ok: false; diagnostics: Diagnostic[] };

/** Template checks, variables and plan, in Packer's order. */
export function planTemplate(template: Template, inputs: PlanInputs, cwd: string, env: NodeJS.ProcessEnv): Planned {
  const problems = checkTemplate(template);
  if (problems.length > 0) {
    const where = problems.flatMap(templateErrorLocations).join("\n") || undefined;
    return { ok: false, diagnostics: [{ summary: "", detail: packerTemplateProblemsText(problems), where }] };
  }
  try {
    const initTime = new Date();
    const vars = resolveVariables(template, {
      vars: inputs.vars,
      varFiles: inputs.varFiles, // resolved against cwd there, and named as given
      env,
      cwd,
      initTime,
    });
    const specs = planBuilds(template, vars, {
      only: inputs.only,
      except: inputs.except,
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

/**
 * HCL2 targets (`*.pkr.hcl`, `*.pkr.json`, a folder): parse, initialise, plan and check the
 * components, with failures as Packer 1.6.6 prints HCL diagnostics.
 */
export { isHcl2Target } from "../template/hcl2/packer/index.js";
export async function planHclTemplate(
  target: string,
  inputs: PlanInputs,
  cwd: string,
  env: NodeJS.ProcessEnv,
  options: { syntaxOnly?: boolean; checkComponents?: boolean } = {},
): Promise<HclChecked> {
  return checkHclTemplate(target, cwd, { vars: inputs.vars, varFiles: inputs.varFiles, env, only: inputs.only, except: inputs.except, ...options });
}
