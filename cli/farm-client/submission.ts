/**
 * From `kiln build --controller`/`kiln submit` flags to a SubmitBuildRequest: the template is
 * loaded, planned and checked here first, exactly as a local `kiln build` does (same messages,
 * same "invalid build is reported and the others run"), so the bundle holds what the builds read
 * and problems show before anything is sent. A farm build runs in its template's folder on the
 * agent, so it is planned here with that folder as working directory.
 */
import { dirname, resolve } from "node:path";
import type { BuildPolicy as ProtoBuildPolicy, SubmitBuildRequest } from "../../proto/gen/kiln/v1/farm.js";
import { resolveBuildPolicies } from "../build-policy-flags.js";
import { BuildPolicyError } from "../../shared/plan/build-policy/index.js";
import { envNamesRead } from "../../shared/template/interpolate/index.js";
import { readVarFile } from "../../shared/template/var-files.js";
import type { Template } from "../../shared/template/model.js";
import { checkBuilds, type BuildCheck } from "../../shared/validation/check-builds.js";
import { formatDiagnostics } from "../../shared/validation/diagnostics.js";
import { DurationSyntaxError, parseGoDuration } from "../../shared/template/duration.js";
import { commaList, FlagError, type ParsedFlags } from "../flags.js";
import { loadForCommand, planForCommand, planInputs, varPairs } from "../template-flags.js";
import { isHcl2Target, planHclTemplate } from "../../shared/validation/load-and-plan.js";
import { encodeJson } from "../../shared/template/hcl2/value/index.js";
import { BundleError, DEFAULT_MAX_BUNDLE_BYTES, packBundle } from "./bundle.js";


export interface Submission {
  request: SubmitBuildRequest;
  /** The builds that will run, in build-name order. */
  buildNames: string[];
  /** True when some builds were refused here (they are not sent; the exit code must be 1). */
  someRefused: boolean;
}

/** What the caller prints: Packer-style reports go to the build output, flag problems to stderr. */
export interface SubmissionReporter {
  report(text: string): void;
  /** Packer's warnings (said, the builds still go). */
  say(text: string): void;
  flagError(text: string): void;
}

export function prepareSubmission(flags: ParsedFlags, cwd: string, env: NodeJS.ProcessEnv, out: SubmissionReporter): Promise<Submission | undefined> {
  return prepare(flags, cwd, env, out).catch((e: unknown) => {
    if (e instanceof BundleError) {
      out.report(`Error: ${e.message}`);
      return undefined;
    }
    throw e;
  });
}

async function prepare(flags: ParsedFlags, cwd: string, env: NodeJS.ProcessEnv, out: SubmissionReporter): Promise<Submission | undefined> {
  const onError = flags.strings["on-error"] ?? "cleanup";
  if (!["cleanup", "abort", "run-cleanup-provisioner"].includes(onError)) {
    out.flagError(onError === "ask"
      ? "-on-error=ask needs a terminal beside the build; a farm build runs on an agent: use -on-error=abort to keep a failed build for debugging"
      : `-on-error must be one of cleanup, abort, run-cleanup-provisioner (got "${onError}")`);
    return undefined;
  }
  let waitTimeoutSeconds = 0;
  let maxBytes = DEFAULT_MAX_BUNDLE_BYTES;
  try {
    if (flags.strings["wait-timeout"]) waitTimeoutSeconds = Math.ceil(parseGoDuration(flags.strings["wait-timeout"]) / 1000);
    if (flags.strings["max-bundle-size"]) maxBytes = parseBytes(flags.strings["max-bundle-size"]);
  } catch (e) {
    if (!(e instanceof DurationSyntaxError) && !(e instanceof FlagError)) throw e;
    out.flagError(`-wait-timeout/-max-bundle-size: ${e.message}`);
    return undefined;
  }

  const templateArg = flags.rest[0];
  if (isHcl2Target(templateArg, cwd)) return prepareHcl(flags, cwd, env, out, { onError, waitTimeoutSeconds, maxBytes });
  const loaded = loadForCommand(templateArg, cwd);
  if (!loaded.ok) {
    out.report([loaded.text, ...loaded.where].join("\n"));
    return undefined;
  }
  const templateFile = resolve(cwd, templateArg);
  const folder = dirname(templateFile);
  // -var-file paths are the user's, relative to where they typed them.
  const varFiles = (flags.lists["var-file"] ?? []).map((f) => resolve(cwd, f));
  const planFlags: ParsedFlags = { ...flags, lists: { ...flags.lists, "var-file": varFiles } };
  let vars: [string, string][];
  let planned;
  try {
    vars = varPairs(flags);
    planned = planForCommand(loaded.template, planFlags, folder, env);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    out.flagError(e.message);
    return undefined;
  }
  if (!planned.ok) {
    out.report(formatDiagnostics(planned.diagnostics));
    return undefined;
  }
  const check = checkBuilds(planned.specs, folder);
  reportCheck(check, out);
  const refused = new Set(check.diagnostics.map((d) => d.build));
  const runnable = planned.specs.filter((s) => !refused.has(s.name));

  const policies = await requestPolicies(flags, cwd, runnable.map((s) => s.name), out);
  if (!policies) return undefined;
  const bundle = await packBundle({ templateFile, varFiles, specs: runnable, maxBytes });
  // Var-files hold secrets: their values travel as variables (the controller resolves them into
  // each BuildSpec, which only the job message carries), never as files in the bundle. Packer
  // applies var-files in order, then every -var over them: sending them first keeps that.
  const fromVarFiles = varFiles.flatMap((f) => Object.entries(readVarFile(f)));
  const only = refused.size > 0 ? runnable.map((s) => s.name) : commaList(flags.lists.only);
  return {
    request: {
      bundle: bundle.tgz,
      templatePath: bundle.templatePath,
      displayPath: templateArg,
      vars: [...fromVarFiles, ...vars].map(([name, value]) => ({ name, value })),
      varFiles: [],
      only,
      except: commaList(flags.lists.except),
      onError,
      force: flags.bools.force === true,
      waitTimeoutSeconds,
      env: envReadByDefaults(loaded.template, env),
      policies,
      resume: flags.bools.resume === true && flags.bools.force !== true,
      warm: flags.bools.warm === true,
    },
    buildNames: runnable.map((s) => s.name),
    someRefused: refused.size > 0,
  };
}

/**
 * An HCL2 file or folder: planned and checked here as `kiln validate` does; the bundle carries every
 * template file (a folder travels as the bundle's root, `template_path` "."). Variable values set
 * here (PKR_VAR_, var files, auto var files, -var) travel as `-var` values of the final value, so
 * var files stay on this machine; `env()` in defaults reads this machine's variables, sent by name.
 */
async function prepareHcl(
  flags: ParsedFlags,
  cwd: string,
  env: NodeJS.ProcessEnv,
  out: SubmissionReporter,
  opts: { onError: string; waitTimeoutSeconds: number; maxBytes: number },
): Promise<Submission | undefined> {
  const templateArg = flags.rest[0];
  let inputs;
  try {
    inputs = planInputs(flags);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    out.flagError(e.message);
    return undefined;
  }
  const checked = await planHclTemplate(templateArg, inputs, cwd, env, { checkComponents: false });
  if (!checked.ok) {
    out.report(checked.text);
    return undefined;
  }
  const config = checked.config;
  const check = checkBuilds(checked.specs, config.baseDir);
  reportCheck(check, out);
  const refused = new Set(check.diagnostics.map((d) => d.build));
  const runnable = checked.specs.filter((s) => !refused.has(s.name));
  const isFolder = !(templateArg.endsWith(".pkr.hcl") || templateArg.endsWith(".pkr.json"));
  const templateFile = resolve(cwd, config.templateFiles[0].name);
  const varFiles = inputs.varFiles.map((f) => resolve(cwd, f));
  const policies = await requestPolicies(flags, cwd, runnable.map((s) => s.name), out);
  if (!policies) return undefined;
  const bundle = await packBundle({ templateFile, varFiles, specs: runnable, maxBytes: opts.maxBytes });
  const vars: [string, string][] = [];
  for (const [name, v] of config.variables) {
    const last = v.values[v.values.length - 1];
    if (!last || last.from === "default") continue;
    vars.push([name, last.value.kind === "string" ? last.value.value : encodeJson(last.value)]);
  }
  const envNames = new Set<string>();
  for (const f of config.templateFiles) for (const m of f.source.matchAll(/\benv\(\s*"([^"\\]+)"\s*\)/g)) envNames.add(m[1]);
  const sentEnv: Record<string, string> = {};
  for (const name of envNames) if (env[name] !== undefined) sentEnv[name] = env[name]!;
  const only = refused.size > 0 ? runnable.map((s) => s.name) : commaList(flags.lists.only);
  return {
    request: {
      bundle: bundle.tgz,
      templatePath: isFolder ? "." : bundle.templatePath,
      displayPath: templateArg,
      vars: vars.map(([name, value]) => ({ name, value })),
      varFiles: [],
      only,
      except: commaList(flags.lists.except),
      onError: opts.onError,
      force: flags.bools.force === true,
      waitTimeoutSeconds: opts.waitTimeoutSeconds,
      env: sentEnv,
      policies,
      resume: flags.bools.resume === true && flags.bools.force !== true,
      warm: flags.bools.warm === true,
    },
    buildNames: runnable.map((s) => s.name),
    someRefused: refused.size > 0,
  };
}

/**
 * Packer reads `{{env}}` in variable defaults where it runs: for a farm build that is here, so
 * the variables those defaults name travel with the request (only those, never the whole
 * environment). An unparsable default is left for the controller to report.
 */
function envReadByDefaults(template: Template, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of template.variables) {
    if (v.default === undefined) continue;
    let names: Set<string>;
    try {
      names = envNamesRead(v.default);
    } catch {
      continue;
    }
    for (const name of names) if (env[name] !== undefined) out[name] = env[name]!;
  }
  return out;
}

/** "1073741824", "512MiB", "1GiB", "100MB" → bytes. */
export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?$/i.exec(text.trim());
  if (!m) throw new FlagError(`"${text}" is not a size (e.g. 512MiB, 1GiB, or a number of bytes)`);
  const unit = (m[2] ?? "B").toUpperCase();
  const powers: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, TIB: 1024 ** 4 };
  return Math.floor(Number(m[1]) * powers[unit]);
}

/** Each build's retries and deadline (flags and side file, read here), as the request carries them. */
async function requestPolicies(
  flags: ParsedFlags,
  cwd: string,
  buildNames: string[],
  out: SubmissionReporter,
): Promise<Record<string, ProtoBuildPolicy> | undefined> {
  try {
    const policies = await resolveBuildPolicies(flags, cwd, buildNames);
    return Object.fromEntries([...policies].map(([name, p]) => [name, { retries: p.retries, retryOn: p.retryOn ?? "", timeoutMs: p.timeoutMs ?? 0, labels: p.labels ?? [], priority: p.priority ?? "" }]));
  } catch (e) {
    if (!(e instanceof FlagError) && !(e instanceof BuildPolicyError)) throw e;
    out.flagError(e.message);
    return undefined;
  }
}

/** As a local build: errors and warnings together when there is an error, else the warnings said. */
function reportCheck(check: BuildCheck, out: SubmissionReporter): void {
  if (check.diagnostics.length > 0) out.report(formatDiagnostics(check.reported));
  else if (check.warnings.length > 0) out.say(formatDiagnostics(check.warnings));
}
