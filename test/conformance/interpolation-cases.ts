/**
 * The JSON cases of interpolation.json: each expression placed where Packer placed it (a file
 * builder's content, a variable default, a shell-local environment variable, amazon-ebs's ami_name,
 * the console), read back through the real template machinery: load, variables, plan, prepare.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { randomUUID } from "node:crypto";
import { loadTemplate, resolveVariables, TemplateError } from "../../shared/template/index.js";
import { planBuilds } from "../../shared/plan/index.js";
import { prepareContextFor } from "../../shared/plan/build-interpolation.js";
import { ConfigErrors } from "../../shared/components/problems.js";
import { builderSchema, postProcessorSchema, provisionerSchema } from "../../shared/components/registry.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import { packerConfigErrorText } from "../../shared/validation/config-error-text.js";
import { packerTemplateErrorText } from "../../shared/validation/template-error-text.js";
import { commaList, parseFlags } from "../../cli/flags.js";
import { templateFlagSpecs, varPairs } from "../../cli/template-flags.js";
import { baseEnv, type InterpolationCase } from "./corpus.js";
import { sameProblem } from "./compare.js";
import { invoke } from "./invoke.js";
import type { CaseResult } from "./template-cases.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

type Outcome = { value: string } | { error: string };

export async function runInterpolationCase(c: InterpolationCase): Promise<CaseResult> {
  const dir = tempDirSync("kiln-conformance-interp-");
  const templatePath = join(dir, "tpl", "template.json");
  mkdirSync(dirname(templatePath), { recursive: true });
  writeFileSync(templatePath, JSON.stringify(c.template, null, 2));
  for (const [name, content] of Object.entries(c.files ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  // interpolation.json was recorded with HOME=/home/corpus (its "environment"); it need not exist.
  const env = { ...baseEnv("/home/corpus"), ...c.env };
  let outcome: Outcome;
  if (c.context === "console") {
    const got = await invoke(c.argv, { cwd: dir, env, stdin: c.stdin ?? "" });
    const text = got.stdout.replace(/\n$/, "");
    outcome = text.startsWith("Error: Interpolation error") ? { error: text } : { value: text };
  } else {
    outcome = evaluateInTemplate(c, templatePath, dir, env);
  }
  const verdict = judge(c, outcome, dir);
  rmSync(dir, { recursive: true, force: true });
  return { id: "interpolation", label: c.id, ...verdict };
}

function evaluateInTemplate(c: InterpolationCase, templatePath: string, cwd: string, env: NodeJS.ProcessEnv): Outcome {
  try {
    const flags = parseFlags(c.args ?? [], templateFlagSpecs, {});
    const template = loadTemplate(templatePath, "tpl/template.json");
    const initTime = new Date();
    const vars = resolveVariables(template, {
      vars: varPairs(flags),
      varFiles: (flags.lists["var-file"] ?? []).map((f) => resolve(cwd, f)),
      env,
      cwd,
      initTime,
    });
    const specs = planBuilds(template, vars, { only: commaList(flags.lists.only), except: commaList(flags.lists.except), initTime, runUuid: randomUUID() });
    const spec = specs[0];
    if (!spec) return { error: "no build planned" };
    return { value: probe(c, spec, cwd) };
  } catch (e) {
    if (e instanceof TemplateError) return { error: packerTemplateErrorText(e) };
    if (e instanceof ConfigErrors) return { error: packerConfigErrorText(e.problems) };
    throw e;
  }
}

/** Reads the probed value out of the prepared component's typed config. */
function probe(c: InterpolationCase, spec: BuildSpec, cwd: string): string {
  const plain = prepareContextFor(spec, cwd);
  const generated = prepareContextFor(spec, cwd, { ID: "Null", ConnType: "<no value>", PackerHTTPAddr: "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER", PackerRunUUID: spec.runUuid });
  switch (c.context) {
    case "builder-field":
    case "variable-default": {
      const config = builderSchema(spec.builder.type)?.prepare(spec.builder, plain) as { content?: string } | undefined;
      return config?.content ?? "";
    }
    case "amazon-ebs-ami_name": {
      const config = builderSchema("amazon-ebs")?.prepare(spec.builder, plain) as { amiName: string } | undefined;
      return config?.amiName ?? "";
    }
    case "provisioner-field": {
      builderSchema(spec.builder.type)?.prepare(spec.builder, plain);
      const p = spec.provisioners[0];
      const config = provisionerSchema(p.type)?.prepare(p.raw, generated) as { environmentVars: string[] } | undefined;
      return probeVar(config?.environmentVars ?? []);
    }
    case "post-processor-field": {
      builderSchema(spec.builder.type)?.prepare(spec.builder, plain);
      const p = spec.postProcessorChains.flat()[0];
      const config = postProcessorSchema(p.type)?.prepare(p.raw, generated) as { environmentVars: string[] } | undefined;
      return probeVar(config?.environmentVars ?? []);
    }
    default:
      return "";
  }
}

function probeVar(vars: readonly string[]): string {
  const entry = vars.find((v) => v.startsWith("PROBE="));
  return entry === undefined ? "" : entry.slice("PROBE=".length);
}

function judge(c: InterpolationCase, outcome: Outcome, dir: string): { agree: boolean; why?: string } {
  const exp = c.expected;
  const fill = (s: string): string => s.split("<CWD>").join(dir);
  if (exp.error !== undefined) {
    if ("error" in outcome && sameProblem(fill(exp.error), outcome.error)) return { agree: true };
    return { agree: false, why: `Packer error: ${exp.error}\n      Kiln: ${JSON.stringify(outcome)}` };
  }
  if (!("value" in outcome)) return { agree: false, why: `Packer: ${JSON.stringify(exp)}\n      Kiln error: ${outcome.error.slice(0, 300)}` };
  if (exp.output !== undefined && outcome.value === fill(exp.output)) return { agree: true };
  if (exp.output_regex !== undefined && new RegExp(exp.output_regex).test(outcome.value)) return { agree: true };
  return { agree: false, why: `Packer: ${JSON.stringify(exp)}\n      Kiln:   ${JSON.stringify(outcome.value)}` };
}

export interface HclConsoleCase {
  id: string;
  stdin: string;
  argv: string[];
  exit_code: number;
  expected: { output?: string; output_regex?: string; error?: string; error_detail?: string };
}

/** interpolation.json's hcl2_console: each expression piped into `console tpl/template.pkr.hcl`. */
export async function runHclConsoleCase(template: string, c: HclConsoleCase): Promise<CaseResult> {
  const dir = tempDirSync("kiln-conformance-hcl-console-");
  mkdirSync(join(dir, "tpl"), { recursive: true });
  writeFileSync(join(dir, "tpl", "template.pkr.hcl"), template);
  const got = await invoke(c.argv, { cwd: dir, env: baseEnv("/home/corpus"), stdin: c.stdin });
  const cwd = dir;
  rmSync(dir, { recursive: true, force: true });
  const text = got.stdout.replace(/\n$/, "");
  let verdict: { agree: boolean; why?: string };
  if (got.exitCode !== c.exit_code) verdict = { agree: false, why: `exit ${got.exitCode}, Packer ${c.exit_code}: ${text.slice(0, 300)}` };
  else if (c.expected.error !== undefined) {
    const want = `${c.expected.error} ${c.expected.error_detail ?? ""}`;
    verdict = sameProblem(want, text) ? { agree: true } : { agree: false, why: `Packer error: ${want}\n      Kiln: ${text.slice(0, 300)}` };
  } else if (c.expected.output_regex !== undefined) {
    verdict = new RegExp(c.expected.output_regex).test(text) ? { agree: true } : { agree: false, why: `Packer: /${c.expected.output_regex}/\n      Kiln:   ${JSON.stringify(text)}` };
  } else verdict = text === c.expected.output?.split("<CWD>").join(cwd) ? { agree: true } : { agree: false, why: `Packer: ${JSON.stringify(c.expected.output)}\n      Kiln:   ${JSON.stringify(text)}` };
  return { id: "hcl-console", label: c.id, ...verdict };
}
