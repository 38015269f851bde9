/**
 * HCL2 builds → the same BuildSpecs the JSON planner makes (hcl2template GetBuilds): one per
 * build × source, named `type.name` (or `buildname.type.name`), selected by -only/-except globs.
 * The builder config is the source body evaluated (with the build's `source` block overrides
 * merged over it); provisioners and post-processors are evaluated with `source.type/name` known
 * and `build.*` as the Go-template `{{ build `X` }}` calls the runtime already fills in when the
 * build runs (Packer re-evaluates the HCL there; the result is the same text).
 */
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import type { HclBlock, HclBody, HclDiagnostic, HclRange, Value } from "../contract.js";
import { diagnosticsText } from "../functions/templatefile.js";
import { packerKeysOf } from "../../../components/packer-keys/check-keys.js";
import type { ComponentKind } from "../../../components/types.js";
import { objectVal, stringVal } from "../value/index.js";
import type { RawComponent } from "../../../components/raw-component.js";
import type { BuildSpec, PlannedPostProcessor, PlannedProvisioner } from "../../../plan/build-spec.js";
import { NameFilter, buildSelected } from "../../../plan/build-name-filter.js";
import { filesOfComponent } from "../../../plan/build-files.js";
import { prepareContextFor } from "../../../plan/build-interpolation.js";
import { evaluateComponentBody, type ComponentConfig } from "./body-config.js";
import { evalContext, sensitiveStrings, type PackerHclConfig } from "./packer-config.js";
import type { ProvisionerBlock } from "./build-blocks.js";

/** Packer's BuilderDataCommonKeys, plus what Kiln's communicators generate. */
export const BUILD_DATA_KEYS = [
  "ID", "Host", "Port", "User", "Password", "ConnType", "PackerRunUUID", "PackerHTTPIP", "PackerHTTPPort", "PackerHTTPAddr",
  "SSHPublicKey", "SSHPrivateKey", "WinRMPassword",
];

export interface HclPlanOptions {
  only: string[];
  except: string[];
  initTime?: Date;
  runUuid?: string;
}

export interface HclPlan {
  specs: BuildSpec[];
  diagnostics: HclDiagnostic[];
  /**
   * `diagnostics` by build, in the order Packer 1.6.6's GetBuilds meets them: a source that is not
   * defined (no name), a source's body (`source`; with an error, the build goes no further), its
   * provisioners' and post-processors' bodies (`components`, met after the builder is prepared).
   */
  builds: { name?: string; source: HclDiagnostic[]; components: HclDiagnostic[] }[];
  /** Per build name: where each configuration key is written, for "Unsupported argument". */
  keyRanges: Map<string, Map<string, HclRange>>;
  /** Every configuration key's name range by `file:line:column` (the positions component problems carry). */
  keyRangesByPosition: Map<string, HclRange>;
  /** Per build name: its source block's header, which Packer's builder warnings point at. */
  sourceRanges: Map<string, HclRange>;
  /** Each planned provisioner's and post-processor's block (by the planned object), for its errors. */
  componentBlocks: Map<RawComponent, { range: HclRange; name: string }>;
  /**
   * Per build name: what hcl says of each argument Packer's spec lacks (with its "Did you mean"),
   * for the components to use if they refuse the key too (Kiln's accept a few later keys).
   */
  unknownKeys: Map<string, HclDiagnostic[]>;
}

const hasErrors = (d: HclDiagnostic[]): boolean => d.some((x) => x.severity === "error");
export function planHclBuilds(config: PackerHclConfig, opts: HclPlanOptions): HclPlan {
  const diags: HclDiagnostic[] = [];
  const specs: BuildSpec[] = [];
  const keyRanges = new Map<string, Map<string, HclRange>>();
  const byPosition = new Map<string, HclRange>();
  const sourceRanges = new Map<string, HclRange>();
  const componentBlocks = new Map<RawComponent, { range: HclRange; name: string }>();
  const unknownKeys = new Map<string, HclDiagnostic[]>();
  const builds: HclPlan["builds"] = [];
  const only = new NameFilter(opts.only);
  const except = new NameFilter(opts.except);
  const initTime = opts.initTime ?? new Date();
  const runUuid = opts.runUuid ?? randomUUID();
  const variables: Record<string, string> = {};
  for (const [name, v] of config.variables) {
    const last = v.values[v.values.length - 1];
    if (last && last.value.kind === "string") variables[name] = last.value.value;
  }
  const secrets = sensitiveStrings(config);
  const firstFile = config.templateFiles[0]?.name ?? config.displayPath;
  const templatePath = resolve(config.cwd, firstFile);

  for (const build of config.builds) {
    for (const from of build.sources) {
      const src = config.sources.get(`${from.type}.${from.name}`);
      if (!src) {
        const unknown: HclDiagnostic = {
          severity: "error",
          summary: `Unknown source ${from.type}.${from.name}`,
          detail: `Known: [${[...config.sources.keys()].join(" ")}]`,
          subject: build.block.defRange,
        };
        diags.push(unknown);
        builds.push({ source: [unknown], components: [] });
        continue;
      }
      const sourceName = from.localName ?? src.name;
      const sourceString = `${src.type}.${sourceName}`;
      const name = build.name ? `${build.name}.${sourceString}` : sourceString;
      if (!buildSelected(name, only, except)) continue;
      const ranges: KeyRanges = { byKey: new Map(), all: [], unknownKeys: [] };
      // Packer 1.6.6 left source.* unknown in source bodies (later versions know them): known here.
      const sourceVars = new Map<string, Value>([["source", objectVal({ type: stringVal(src.type), name: stringVal(sourceName) })]]);
      const sourceDiags: HclDiagnostic[] = [];
      const builder = { kind: "builder" as const, type: src.type };
      const builderCfg = evaluateBody(src.block.body, config, sourceVars, sourceDiags, ranges, builder);
      if (from.addition) {
        const extra = evaluateBody(from.addition, config, withIterator(sourceVars, from.vars), sourceDiags, ranges, builder);
        Object.assign(builderCfg.config, extra.config);
        Object.assign(builderCfg.keyPositions, extra.keyPositions);
      }
      diags.push(...sourceDiags);
      const met: HclPlan["builds"][number] = { name, source: sourceDiags, components: [] };
      builds.push(met);
      // As GetBuilds: a source that fails is not taken further (its provisioners are not started).
      if (hasErrors(sourceDiags)) continue;
      const buildValues = new Map<string, Value>(BUILD_DATA_KEYS.map((k, i) => [k, stringVal(buildMarker(i))]));
      buildValues.set("name", stringVal(build.name));
      const componentVars = new Map<string, Value>([
        ["source", objectVal({ type: stringVal(src.type), name: stringVal(sourceName) })],
        ["build", objectVal(buildValues)],
      ]);
      let componentFailed = false;
      /** A provisioner's or post-processor's body; its errors fail its HCL2Prepare, so Packer wraps them. */
      const evaluateComponent = (kind: "provisioner" | "post-processor", c: { type: string; name: string; block: HclBlock; body: HclBody; vars?: Map<string, Value> }): ComponentConfig => {
        const own: HclDiagnostic[] = [];
        const value = evaluateBody(c.body, config, withIterator(componentVars, c.vars), own, ranges, { kind, type: c.type });
        const reported = !hasErrors(own) ? own : [...own.filter((d) => d.severity !== "error"), {
          severity: "error" as const,
          summary: `Failed preparing ${kind}-block ${JSON.stringify(c.type)} ${JSON.stringify(c.name)}`,
          detail: diagnosticsText(own),
          subject: c.block.defRange,
        }];
        if (hasErrors(own)) componentFailed = true;
        diags.push(...reported);
        met.components.push(...reported);
        return value;
      };
      const planProvisioner = (p: ProvisionerBlock): PlannedProvisioner | undefined => {
        const c = evaluateComponent("provisioner", p);
        const raw: RawComponent = { type: p.type, config: c.config, keyPositions: c.keyPositions };
        componentBlocks.set(raw, { range: p.block.defRange, name: p.name });
        // Packer 1.6.6 keys `override` by the source's (local) name; `type.name` is accepted too.
        const override = p.override[sourceName] ?? p.override[sourceString];
        if (override) for (const [k, v] of Object.entries(override)) Object.defineProperty(raw.config, k, { value: v, enumerable: true, writable: true, configurable: true });
        return { type: p.type, raw, pauseBeforeMs: p.pauseBeforeMs, maxRetries: p.maxRetries, timeoutMs: p.timeoutMs };
      };
      const skipped = (c: { only: string[]; except: string[] }): boolean =>
        c.only.length > 0 ? !c.only.includes(sourceString) : c.except.includes(sourceString);
      const provisioners = build.provisioners.filter((p) => !skipped(p)).map(planProvisioner).filter((p): p is PlannedProvisioner => p !== undefined);
      const chains: PlannedPostProcessor[][] = [];
      // As GetBuilds: post-processors are started only once every provisioner was.
      for (const chain of componentFailed ? [] : build.postProcessorChains) {
        const planned: PlannedPostProcessor[] = [];
        for (const pp of chain) {
          if (skipped(pp)) continue;
          if (except.matches(pp.name || pp.type)) break;
          const c = evaluateComponent("post-processor", { ...pp, name: pp.name ?? "" });
          const entry: PlannedPostProcessor = { type: pp.type, raw: { type: pp.type, config: c.config, keyPositions: c.keyPositions } };
          componentBlocks.set(entry.raw, { range: pp.block.defRange, name: pp.name });
          // Unnamed is "", not the type: Packer 1.6.6 then says "Running post-processor:  (type X)".
          entry.name = pp.name ?? "";
          if (pp.keepInputArtifact !== undefined) entry.keepInputArtifact = pp.keepInputArtifact;
          planned.push(entry);
        }
        if (planned.length > 0) chains.push(planned);
      }
      const spec: BuildSpec = {
        name,
        packerBuildName: src.name,
        builder: { type: src.type, config: builderCfg.config, keyPositions: builderCfg.keyPositions },
        provisioners,
        postProcessorChains: chains,
        variables: { ...variables },
        declaredVariables: [...config.variables.keys()],
        sensitiveValues: secrets,
        template: { displayPath: config.displayPath, path: templatePath },
        files: [],
        initTime: initTime.toISOString(),
        runUuid,
      };
      if (build.errorCleanupProvisioner && !skipped(build.errorCleanupProvisioner)) spec.errorCleanupProvisioner = planProvisioner(build.errorCleanupProvisioner);
      spec.files = filesOfHclBuild(spec, config);
      keyRanges.set(name, ranges.byKey);
      unknownKeys.set(name, ranges.unknownKeys);
      sourceRanges.set(name, src.block.defRange);
      for (const r of ranges.all) byPosition.set(`${r.file}:${r.start.line}:${r.start.column}`, r);
      specs.push(spec);
    }
  }
  return { specs, diagnostics: diags, builds, keyRanges, keyRangesByPosition: byPosition, sourceRanges, componentBlocks, unknownKeys };
}

/**
 * `build.X` while planning: a marker without letters (so string functions such as upper() pass it
 * through), turned into the Go-template call `{{ build `X` }}` once the body is evaluated; the
 * runtime fills that in with the build's generated data, as for JSON templates. A function that
 * looks inside the value (length, substr, a case change of the real value) sees the marker, not the
 * data: Packer 1.6.6 re-evaluates the HCL when the provisioner runs instead.
 */
function buildMarker(i: number): string {
  return `\uE000${i}\uE001`;
}
const MARKER = /\uE000(\d+)\uE001/g;

function withBuildCalls(v: unknown): unknown {
  if (typeof v === "string") return v.replace(MARKER, (_, i: string) => `{{ build \`${BUILD_DATA_KEYS[Number(i)]}\` }}`);
  if (Array.isArray(v)) return v.map(withBuildCalls);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: withBuildCalls(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** The build's variables plus a dynamic block's iterator, when the component came from one. */
function withIterator(vars: Map<string, Value>, iterator: Map<string, Value> | undefined): Map<string, Value> {
  return iterator ? new Map([...vars, ...iterator]) : vars;
}

/** Where the attributes of a build's component bodies are: the first of each name, and all of them. */
interface KeyRanges {
  byKey: Map<string, HclRange>;
  all: HclRange[];
  unknownKeys: HclDiagnostic[];
}

function evaluateBody(
  body: HclBody,
  config: PackerHclConfig,
  extra: Map<string, Value> | undefined,
  diags: HclDiagnostic[],
  ranges: KeyRanges,
  component: { kind: ComponentKind; type: string },
): ComponentConfig {
  const schema = packerKeysOf(component.kind, component.type)?.keys;
  const { value: raw, diagnostics, unknownKeys } = evaluateComponentBody(body, evalContext(config, extra), new Set(), schema);
  ranges.unknownKeys.push(...unknownKeys);
  const value = { config: withBuildCalls(raw.config) as Record<string, unknown>, keyPositions: raw.keyPositions };
  const native = body as unknown as { attributes?: Map<string, { nameRange: HclRange }> };
  diags.push(...diagnostics);
  if (native.attributes instanceof Map) {
    for (const [k, a] of native.attributes) {
      if (!ranges.byKey.has(k)) ranges.byKey.set(k, a.nameRange);
      ranges.all.push(a.nameRange);
    }
  }
  return value;
}

/**
 * For a farm bundle: every file of the template (an HCL2 template is all its files, and
 * functions like `file()` read relative to it), plus what the components reference.
 */
function filesOfHclBuild(spec: BuildSpec, config: PackerHclConfig): string[] {
  const templateDir = config.baseDir;
  const ctx = prepareContextFor(spec, config.cwd);
  const ownFiles = config.templateFiles.map((f) => resolve(config.cwd, f.name)).filter((p) => p.startsWith(templateDir)).map((p) => p.slice(templateDir.length + 1));
  const components = [
    spec.builder,
    ...spec.provisioners.map((p) => p.raw),
    ...(spec.errorCleanupProvisioner ? [spec.errorCleanupProvisioner.raw] : []),
    ...spec.postProcessorChains.flat().map((p) => p.raw),
  ];
  return [...new Set([...ownFiles, ...components.flatMap((c) => filesOfComponent(c, { interpolation: ctx.interpolation, templateDir, cwd: config.cwd }))])].sort();
}
