/**
 * `packer validate` on an HCL2 template, end to end: parse (errors printed with source excerpts,
 * twice, as 1.6.6 prints them), initialise, plan, then the shared component schemas — their
 * unknown keys reported as hcl's "Unsupported argument" on the attribute.
 */
import type { HclDiagnostic, HclFile, HclRange } from "../contract.js";
import { diagnosticsText } from "../functions/templatefile.js";
import { formatHclDiagnostics } from "../syntax/index.js";
import type { BuildSpec } from "../../../plan/build-spec.js";
import { checkBuilds, keysOnlyNote, type BuildCheck } from "../../../validation/check-builds.js";
import type { Diagnostic } from "../../../validation/diagnostics.js";
import { initializeHclTemplate, parseHclTemplate, sensitiveStrings, type HclTemplateInputs, type PackerHclConfig } from "./packer-config.js";
import { maskSecrets } from "./inspect-text.js";
import { planHclBuilds, type HclPlan } from "./build-specs.js";

export interface HclCheckOptions extends HclTemplateInputs {
  only: string[];
  except: string[];
  /** Stop after parsing (validate -syntax-only). */
  syntaxOnly?: boolean;
  /** Run the component schemas (validate does; build runs them itself). */
  checkComponents?: boolean;
}

export type HclChecked =
  /** warnings: Packer's own (stdout, as Packer prints them); notes: Kiln's (for stderr). */
  | {
      ok: true; config: PackerHclConfig; specs: BuildSpec[]; warnings: string; notes: string;
      /** A later check of these builds (a build's) as Packer's HCL path prints it. */
      formatCheck?: (check: BuildCheck) => string;
    }
  | { ok: false; text: string };

const hasErrors = (d: HclDiagnostic[]): boolean => d.some((x) => x.severity === "error");
const NO_FILES: ReadonlyMap<string, HclFile> = new Map();

export async function checkHclTemplate(target: string, cwd: string, opts: HclCheckOptions): Promise<HclChecked> {
  const parsed = await parseHclTemplate(target, cwd, opts);
  if (hasErrors(parsed.diagnostics) || !parsed.config) {
    return { ok: false, text: `${formatHclDiagnostics(parsed.diagnostics, parsed.files)}\n` };
  }
  const config = parsed.config;
  // Each stage's diagnostics are one writeDiags call in Packer: its text, then the newline ui.Error adds.
  const stage = (text: string): string => (text ? `${text}\n` : "");
  let warnings = stage(formatHclDiagnostics(parsed.diagnostics.filter((d) => d.severity === "warning"), parsed.files));
  if (opts.syntaxOnly) return { ok: true, config, specs: [], warnings, notes: "" };
  const init = await initializeHclTemplate(config);
  // From Initialize on, Packer 1.6.6's UI replaces sensitive variables' values in all it prints
  // (LogSecretFilter, filled in there); what parsing printed is not filtered.
  const secrets = sensitiveStrings(config);
  const format = (d: HclDiagnostic[]): string => maskSecrets(formatHclDiagnostics(d, NO_FILES), secrets);
  // Packer prints the parser's warnings with the errors that follow them.
  if (hasErrors(init)) return { ok: false, text: `${warnings}${format(init)}\n` };
  warnings += stage(format(init));
  const plan = planHclBuilds(config, { only: opts.only, except: opts.except });
  if (hasErrors(plan.diagnostics)) {
    const diags = opts.checkComponents === false ? plan.diagnostics : getBuildsDiagnostics(plan, checkBuilds(plan.specs, cwd, { hostPrograms: true, everyComponent: true }));
    return { ok: false, text: `${warnings}${format(diags)}\n` };
  }
  let notes = maskSecrets(formatHclDiagnostics(plan.diagnostics, config.files), secrets);
  if (opts.checkComponents !== false) {
    const checked = checkBuilds(plan.specs, cwd, { hostPrograms: true, everyComponent: true });
    const note = keysOnlyNote(checked.keysOnly);
    if (note) notes += `${note}\n`;
    const diags = hclBuildCheckDiagnostics(checked, plan);
    if (checked.diagnostics.length > 0) return { ok: false, text: `${format(diags)}\n` };
    if (diags.length > 0) warnings += `${format(diags)}\n`;
  }
  const formatCheck = (check: BuildCheck): string => `${format(hclBuildCheckDiagnostics(check, plan))}\n`;
  return { ok: true, config, specs: plan.specs, warnings, notes, formatCheck };
}

/**
 * What Packer 1.6.6's GetBuilds reports when some build's HCL failed to decode: build by build, a
 * source's body (with errors, nothing more of that build), the builder's Prepare (with an error,
 * nothing more), then its provisioners' and post-processors' bodies, or, when those decoded, their
 * Prepare. Builds whose HCL decoded are reported as validate reports them.
 */
function getBuildsDiagnostics(plan: HclPlan, checked: BuildCheck): HclDiagnostic[] {
  const out: HclDiagnostic[] = [];
  for (const met of plan.builds) {
    out.push(...met.source);
    const build = checked.builds.find((b) => b.name === met.name);
    if (hasErrors(met.source) || !build) continue;
    if (!hasErrors(met.components)) {
      out.push(...hclBuildCheckDiagnostics({ ...checked, builds: [build] }, plan));
      continue;
    }
    const builderOnly = { ...build, failures: build.failures.filter((f) => f.kind === "builder") };
    out.push(...hclBuildCheckDiagnostics({ ...checked, builds: [builderOnly] }, plan));
    if (builderOnly.failures.length === 0) out.push(...met.components);
  }
  return out;
}

/**
 * Packer 1.6.6's HCL path reports each source in the build blocks' order: the builder's warnings
 * (even when it then fails), then its error, both as a summary at the source block. Unknown keys
 * fail HCL's decoding, one "Unsupported argument" each: on a source as they are; on a provisioner
 * or post-processor inside Packer's "Failed preparing" error, which names the first and counts
 * the others (hcl.Diagnostics.Error()).
 */
function hclBuildCheckDiagnostics(checked: BuildCheck, plan: HclPlan): HclDiagnostic[] {
  const at = (build: string): HclRange | undefined => plan.sourceRanges.get(build);
  const diags: HclDiagnostic[] = [];
  for (const build of checked.builds) {
    const first = build.failures[0];
    const failed = first ? hclErrorsOf(first.diagnostic, plan) : [];
    const undecodable = failed.length > 0 && UNKNOWN_KEY_SUMMARIES.has(failed[0]!.summary);
    // An unknown key fails HCL's decoding, before the builder's Prepare could warn.
    if (!undecodable) diags.push(...build.warnings.map((w): HclDiagnostic => ({ severity: "warning", summary: w, subject: at(build.name) })));
    if (!first) continue;
    if (first.kind === "builder") {
      diags.push(...(undecodable ? failed : [{ severity: "error" as const, summary: first.diagnostic.detail, subject: at(build.name) }]));
      continue;
    }
    for (const failure of build.failures) {
      const mapped = hclErrorsOf(failure.diagnostic, plan);
      const block = plan.componentBlocks.get(failure.raw);
      const summary = block ? `Failed preparing ${failure.kind}-block "${failure.raw.type}" "${block.name}"` : undefined;
      if (!block || !summary) diags.push(...mapped);
      else if (UNKNOWN_KEY_SUMMARIES.has(mapped[0]?.summary ?? "")) diags.push({ severity: "error", summary, detail: diagnosticsText(mapped), subject: block.range });
      else diags.push({ severity: "error", summary, detail: failure.diagnostic.detail, subject: block.range });
    }
  }
  return diags;
}

/** What hcl calls an unknown key: in native syntax, and in JSON syntax. */
const UNKNOWN_KEY_SUMMARIES: ReadonlySet<string> = new Set(["Unsupported argument", "Extraneous JSON object property"]);
const UNKNOWN_KEY = /unknown configuration key: '"([^"]+)"'/g;

/**
 * A component problem as Packer's HCL path names it: each unknown key is HCL's "Unsupported
 * argument" on that attribute; anything else is the problem as it is.
 */
function hclErrorsOf(d: Diagnostic, plan: HclPlan): HclDiagnostic[] {
  const keyPaths = [...d.detail.matchAll(UNKNOWN_KEY)].map((m) => m[1]!);
  if (keyPaths.length === 0) return [{ severity: "error", summary: d.summary, detail: d.detail }];
  const ranges = d.build ? plan.keyRanges.get(d.build) : undefined;
  // The problems' positions (`file:line:col (field "key")`) name the exact attributes.
  const positions = (d.where ?? "").split("\n").map((l) => /^(.*):(\d+):(\d+) \(field "([^"]+)"\)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  // HCL reports them in the order they are written (the JSON path's text lists them sorted by key).
  const bySource = (a: HclDiagnostic, b: HclDiagnostic): number => (a.subject?.start.byte ?? Infinity) - (b.subject?.start.byte ?? Infinity);
  return keyPaths.map((keyPath): HclDiagnostic => {
    const key = keyPath.split(/[.[]/)[0]!;
    // A key inside a nested block (`volume[1].bogus`) is named as HCL names it, plus its block.
    const name = keyPath.split(".").pop()!;
    const inBlock = name === keyPath ? "" : ` (in ${keyPath.slice(0, keyPath.length - name.length - 1)})`;
    const at = positions.find((m) => m[4]!.split(".")[0] === key);
    const subject: HclRange | undefined = (at ? plan.keyRangesByPosition.get(`${at[1]}:${at[2]}:${at[3]}`) : undefined) ?? ranges?.get(key);
    // What hcl said of it when the body was read against Packer's spec, if it was (hint, JSON wording, nested place).
    const said = plannedUnknownKey(plan, d.build, name, subject);
    if (said) return said;
    return { severity: "error", summary: "Unsupported argument", detail: `An argument named "${name}" is not expected here.${inBlock}`, subject };
  }).sort(bySource);
}

/** The plan's diagnostic for an argument Packer's spec lacks: the one at `subject`, else (JSON syntax, no ranges) the one naming it. */
function plannedUnknownKey(plan: HclPlan, build: string | undefined, name: string, subject: HclRange | undefined): HclDiagnostic | undefined {
  const said = build ? plan.unknownKeys.get(build) ?? [] : [];
  const samePlace = (r: HclRange | undefined): boolean => r !== undefined && subject !== undefined && r.file === subject.file && r.start.byte === subject.start.byte;
  if (subject) return said.find((x) => samePlace(x.subject));
  return said.find((x) => x.detail?.includes(`named ${JSON.stringify(name)}`));
}
