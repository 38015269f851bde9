/**
 * An HCL2 template loaded as Packer 1.6.6's parser does (hcl2template/parser.go): files, the
 * `packer` block's version check, input variables and their values, locals, then (Initialize)
 * sources and builds. Diagnostics come back in Packer's order; the caller prints them with the
 * files for source excerpts.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { EvalContext, HclBlock, HclDiagnostic, HclFile, HclFunction, Value } from "../contract.js";
import { evaluate } from "../eval/index.js";
import { packerFunctions, variableDefaultFunctions } from "../functions/index.js";
import { initHclParser, rangeString } from "../syntax/index.js";
import { objectVal, stringVal, unknownVal, objectType, stringType, isWhollyKnown, isNull, elementsOf } from "../value/index.js";
import { requiredPlugins } from "./required-plugins.js";
import { comparePackerVersions, PACKER_COMPAT_VERSION, parsePackerVersion } from "../../packer-version.js";
import { collectVariableValues, decodeInputVariables, variableValue, type InputVariable } from "./input-variables.js";
import { decodeLocals, evaluateLocals, type LocalDecl } from "./local-values.js";
import { filesWithSuffix, parseTemplateFile } from "./template-files.js";
import { decodeBuild, decodeSource, type BuildBlock, type SourceBlock } from "./build-blocks.js";
import { evaluateDataSource } from "./data-sources.js";

export interface HclTemplateInputs {
  /** `-var k=v` pairs in command-line order. */
  vars: [string, string][];
  /** `-var-file` paths as typed (relative to cwd). */
  varFiles: string[];
  env: NodeJS.ProcessEnv;
}

export interface PackerHclConfig {
  /** The target as typed, and its absolute path. */
  displayPath: string;
  path: string;
  /** The template's folder, absolute (file functions resolve against it). */
  baseDir: string;
  /** path.root as Packer gives it: the folder as typed (filepath.Dir of a file target). */
  rootPath: string;
  cwd: string;
  /** Every parsed file by name (templates and var files), for diagnostics' source excerpts. */
  files: Map<string, HclFile>;
  templateFiles: HclFile[];
  variables: Map<string, InputVariable>;
  localDecls: LocalDecl[];
  locals: Map<string, Value>;
  sources: Map<string, SourceBlock>;
  builds: BuildBlock[];
  functions: Map<string, HclFunction>;
  /** Data sources' results: type → name → value (`data.TYPE.NAME`). */
  data: Map<string, Map<string, Value>>;
}

const CONFIG_SCHEMA = {
  attributes: [],
  blocks: [
    { type: "packer", labelNames: [] },
    { type: "source", labelNames: ["type", "name"] },
    { type: "variables", labelNames: [] },
    { type: "variable", labelNames: ["name"] },
    { type: "locals", labelNames: [] },
    { type: "local", labelNames: ["name"] },
    { type: "build", labelNames: [] },
    { type: "data", labelNames: ["type", "name"] },
  ],
};

const hasErrors = (d: HclDiagnostic[]): boolean => d.some((x) => x.severity === "error");

/** Parser.Parse: files, version requirement, variables and their values. */
export async function parseHclTemplate(target: string, cwd: string, inputs: HclTemplateInputs): Promise<{ config?: PackerHclConfig; diagnostics: HclDiagnostic[]; files: Map<string, HclFile> }> {
  await initHclParser();
  const diags: HclDiagnostic[] = [];
  const files = new Map<string, HclFile>();
  const set = filesWithSuffix(target, cwd, ".pkr.hcl", ".pkr.json");
  if (!existsSync(resolve(cwd, target))) {
    diags.push({ severity: "error", summary: `Cannot tell wether ${target} is a directory`, detail: `stat ${target}: no such file or directory` });
  }
  if (set.hclFiles.length + set.jsonFiles.length === 0) {
    diags.push({
      severity: "error",
      summary: `Could not find any config file in ${target}`,
      detail: "A config file must be suffixed with `.pkr.hcl` or `.pkr.json`. A folder can be referenced.",
    });
  }
  const templateFiles: HclFile[] = [];
  for (const name of [...set.hclFiles, ...set.jsonFiles]) {
    const { file, diagnostics } = parseTemplateFile(name, cwd);
    diags.push(...diagnostics);
    if (file) {
      files.set(file.name, file);
      templateFiles.push(file);
    }
  }
  if (hasErrors(diags)) return { diagnostics: diags, files };
  const abs = resolve(cwd, target);
  const isFile = target.endsWith(".pkr.hcl") || target.endsWith(".pkr.json");
  const baseDir = isFile ? resolve(abs, "..") : abs;
  const functions = packerFunctions({ baseDir });
  const config: PackerHclConfig = {
    displayPath: target,
    path: abs,
    baseDir,
    rootPath: isFile ? dirname(target) : target,
    cwd,
    files,
    templateFiles,
    variables: new Map(),
    localDecls: [],
    locals: new Map(),
    sources: new Map(),
    builds: [],
    data: new Map(),
    functions,
  };

  const versionDiags = checkVersionRequirements(templateFiles);
  diags.push(...versionDiags);
  if (hasErrors(versionDiags)) return { config, diagnostics: diags, files };

  // decodeInputVariables' context: no variables. Packer's also has `env` as its only function;
  // Kiln keeps the others, which its hcl2_upgrade writes {{timestamp}} in a JSON default as.
  const defaultsCtx: EvalContext = { variables: new Map(), functions: variableDefaultFunctions({ baseDir, env: inputs.env }), noVariables: true };
  // hcl2template reads the variables, then the locals, each time with the whole config schema:
  // a problem of the file's top level (an unknown block, a source without its name) is reported
  // by both, so Packer prints it twice and Kiln does too.
  for (const f of templateFiles) {
    diags.push(...f.body.content(CONFIG_SCHEMA).diagnostics);
    diags.push(...decodeInputVariables(f, defaultsCtx, config.variables));
  }
  const seenLocals = new Map<string, LocalDecl>();
  for (const f of templateFiles) {
    diags.push(...f.body.content(CONFIG_SCHEMA).diagnostics);
    const { locals, diagnostics } = decodeLocals(f, seenLocals);
    diags.push(...diagnostics);
    config.localDecls.push(...locals);
  }

  const auto = filesWithSuffix(target, cwd, ".auto.pkrvars.hcl", ".auto.pkrvars.json");
  const explicit = { hcl: [] as string[], json: [] as string[] };
  for (const f of inputs.varFiles) {
    if (f.endsWith(".hcl")) explicit.hcl.push(f);
    else if (f.endsWith(".json")) explicit.json.push(f);
    else diags.push({ severity: "error", summary: `Could not guess format of ${f}`, detail: "A var file must be suffixed with `.hcl` or `.json`." });
  }
  // Packer reads every HCL var file, then every JSON one (auto files first in each group).
  const ordered = [...auto.hclFiles, ...explicit.hcl, ...auto.jsonFiles, ...explicit.json];
  const varFiles: HclFile[] = [];
  for (const name of ordered) {
    const { file, diagnostics } = parseTemplateFile(name, cwd);
    diags.push(...diagnostics);
    if (!file || hasErrors(diagnostics)) continue;
    files.set(file.name, file);
    varFiles.push(file);
  }
  diags.push(...collectVariableValues(config.variables, { env: inputs.env, varFiles, vars: inputs.vars }));
  return { config, diagnostics: diags, files };
}

function checkVersionRequirements(files: HclFile[]): HclDiagnostic[] {
  const diags: HclDiagnostic[] = checkRequiredPlugins(files);
  const current = parsePackerVersion(PACKER_COMPAT_VERSION);
  for (const f of files) {
    const { content } = f.body.partialContent({ attributes: [], blocks: [{ type: "packer", labelNames: [] }] });
    for (const block of content.blocks) {
      const { content: c, diagnostics } = block.body.content({ attributes: [{ name: "required_version" }], blocks: [{ type: "required_plugins", labelNames: [] }] });
      diags.push(...diagnostics);
      const attr = c.attributes.get("required_version");
      if (!attr) continue;
      const { value, diagnostics: d } = evaluate(attr.expr, undefined);
      diags.push(...d);
      if (value.kind !== "string") continue;
      const failing = value.value.split(",").map((s) => s.trim()).find((clause) => !satisfies(current, clause));
      if (failing !== undefined) {
        diags.push({
          severity: "error",
          summary: "Unsupported Packer Core version",
          detail: `This configuration does not support Packer version ${PACKER_COMPAT_VERSION}. To proceed, either choose another supported Packer version or update this version constraint. Version constraints are normally set for good reason, so updating the constraint may lead to other errors or unexpected behavior.`,
          subject: attr.range,
        });
      }
    }
  }
  return diags;
}

/**
 * `required_plugins`: Kiln loads no plugins, its components are built in. A plugin Kiln has none
 * of the components of is a warning naming it, so the build's later "Unknown source type" is explained.
 */
function checkRequiredPlugins(files: HclFile[]): HclDiagnostic[] {
  const { plugins, diagnostics } = requiredPlugins(files);
  const diags = [...diagnostics];
  for (const plugin of plugins) {
    if (plugin.builtIn.length > 0) continue;
    diags.push({
      severity: "warning",
      summary: "Plugin not available in Kiln",
      detail: `Kiln does not load Packer plugins; its components are built in, and none comes from the "${plugin.name}" plugin (${plugin.source}). Components of it will be reported as unknown types.`,
      subject: plugin.range,
    });
  }
  return diags;
}

function satisfies(current: ReturnType<typeof parsePackerVersion>, clause: string): boolean {
  const m = /^(>=|<=|!=|~>|>|<|=)?\s*v?([0-9][0-9A-Za-z.+-]*)$/.exec(clause);
  if (!m) return false;
  const op = m[1] ?? "=";
  let want;
  try {
    want = parsePackerVersion(m[2]);
  } catch {
    return false;
  }
  const c = comparePackerVersions(current, want);
  switch (op) {
    case "=": return c === 0;
    case "!=": return c !== 0;
    case ">": return c > 0;
    case ">=": return c >= 0;
    case "<": return c < 0;
    case "<=": return c <= 0;
    case "~>": {
      const parts = m[2].split(".");
      const upper = parts.length <= 1 ? [Number(parts[0]) + 1] : [...parts.slice(0, -2).map(Number), Number(parts[parts.length - 2]) + 1];
      const upperV = parsePackerVersion(upper.concat([0, 0]).slice(0, 3).join("."));
      return c >= 0 && comparePackerVersions(current, upperV) < 0;
    }
  }
  return false;
}

/** The roots every expression sees (EvalContext): var, local, source, build, packer, path. */
export function baseVariables(config: PackerHclConfig, extra: Map<string, Value>): Map<string, Value> {
  const vars = new Map<string, Value>();
  const varValues = new Map<string, Value>();
  for (const [name, v] of config.variables) varValues.set(name, v.values.length > 0 ? v.values[v.values.length - 1].value : unknownVal(v.type));
  vars.set("var", objectVal(varValues));
  vars.set("local", objectVal(config.locals));
  vars.set("data", objectVal(new Map([...config.data].map(([type, byName]) => [type, objectVal(byName)]))));
  vars.set("source", objectVal({ type: unknownVal(stringType), name: unknownVal(stringType) }));
  vars.set("build", unknownVal(objectType({})));
  vars.set("packer", objectVal({ version: stringVal(PACKER_COMPAT_VERSION) }));
  vars.set("path", objectVal({ cwd: stringVal(config.cwd.replaceAll("\\", "/")), root: stringVal(config.rootPath.replaceAll("\\", "/")) }));
  for (const [k, v] of extra) vars.set(k, v);
  return vars;
}

export function evalContext(config: PackerHclConfig, extra: Map<string, Value> = new Map()): EvalContext {
  return { variables: baseVariables(config, extra), functions: config.functions };
}

/** PackerConfig.Initialize: variables' values (unset ones, failed validations), locals, then sources and builds. */
export async function initializeHclTemplate(config: PackerHclConfig): Promise<HclDiagnostic[]> {
  const diags: HclDiagnostic[] = [];
  for (const v of [...config.variables.values()]) diags.push(...variableValue(v, config.functions).diagnostics);
  // Data sources see the variables; locals and builds see data.TYPE.NAME.
  for (const f of config.templateFiles) {
    for (const block of f.body.partialContent(CONFIG_SCHEMA).content.blocks) {
      if (block.type !== "data") continue;
      const [type, name] = block.labels as [string, string];
      if (config.data.get(type)?.has(name)) {
        diags.push({ severity: "error", summary: "Duplicate data block", detail: `A data source "${type}" "${name}" is already declared.`, subject: block.defRange });
        continue;
      }
      const { value, diagnostics } = await evaluateDataSource(block, evalContext(config));
      diags.push(...diagnostics);
      if (value === undefined) continue;
      if (!config.data.has(type)) config.data.set(type, new Map());
      config.data.get(type)!.set(name, value);
    }
  }
  const { values, diagnostics } = evaluateLocals(config.localDecls, (known) => {
    config.locals = new Map(known);
    return evalContext(config);
  });
  config.locals = values;
  diags.push(...diagnostics);
  for (const f of config.templateFiles) {
    const { content } = f.body.partialContent(CONFIG_SCHEMA);
    for (const block of content.blocks) {
      if (block.type === "source") {
        const { source, diagnostics: d } = decodeSource(block);
        diags.push(...d);
        if (!source) continue;
        const existing = config.sources.get(source.ref);
        if (existing) {
          diags.push({
            severity: "error",
            summary: "Duplicate source block",
            detail: `This source block has the same builder type and name as a previous block declared at ${rangeString(existing.block.defRange)}. Each source must have a unique name per builder type.`,
            subject: block.defRange,
          });
          continue;
        }
        config.sources.set(source.ref, source);
      } else if (block.type === "build") {
        const { build, diagnostics: d } = decodeBuild(block, evalContext(config));
        diags.push(...d);
        if (build) config.builds.push(build);
      }
    }
  }
  return diags;
}

/**
 * Sensitive variables' and locals' string values (every string inside collections too), for
 * masking. A variable's value is its final one (Packer 1.6.6 filters variable.Value()).
 */
export function sensitiveStrings(config: PackerHclConfig): string[] {
  const out: string[] = [];
  const walk = (v: Value): void => {
    if (!isWhollyKnown(v) || isNull(v)) return;
    if (v.kind === "string") {
      if (v.value !== "") out.push(v.value);
      return;
    }
    if (["list", "set", "tuple", "map", "object"].includes(v.kind)) for (const [, e] of elementsOf(v)) walk(e);
  };
  for (const v of config.variables.values()) {
    const final = v.values[v.values.length - 1];
    if (v.sensitive && final) walk(final.value);
  }
  for (const l of config.localDecls) if (l.sensitive && config.locals.has(l.name)) walk(config.locals.get(l.name)!);
  return [...new Set(out)];
}
