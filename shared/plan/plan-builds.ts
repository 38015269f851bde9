import { dirname } from "node:path";
import { InterpolationError, render } from "../template/interpolate/index.js";
import type { InterpolationContext } from "../template/interpolate/context.js";
import { TemplateError } from "../template/errors.js";
import type { BuilderDecl, PostProcessorDecl, ProvisionerDecl, Template } from "../template/model.js";
import type { ResolvedVariables } from "../template/resolve-variables.js";
import { isGoInt } from "../template/decode-provisioner.js";
import { goEqualFold } from "../template/key-fold.js";
import type { RawComponent } from "../components/raw-component.js";
import type { BuildSpec, PlannedPostProcessor, PlannedProvisioner } from "./build-spec.js";
import { NameFilter, buildSelected } from "./build-name-filter.js";
import { filesOfComponent, type FileScanContext } from "./build-files.js";

export interface PlanOptions {
  /** `-only` patterns (build names, or globs). */
  only: string[];
  /** `-except` patterns: builds, and post-processors by name. */
  except: string[];
  /** Fixed once per run, so `{{timestamp}}` agrees across builds. */
  initTime: Date;
  /** PACKER_RUN_UUID shared by the builds of this run. */
  runUuid: string;
  /** Working directory relative paths resolve against; the template's folder when absent. */
  cwd?: string;
}

/**
 * One BuildSpec per selected builder, sorted by build name as Packer runs them:
 * - the build name is the builder's `name` (or type), interpolated with the user variables;
 * - `-only`/`-except` select builds by that interpolated name;
 * - provisioners and post-processors are kept or skipped by their `only`/`except`, which, like
 *   `override`, use the builder's name as written (before interpolation), as Packer does;
 * - a post-processor named in `-except` is dropped together with the rest of its chain
 *   ("any post-processor following a skipped post-processor will not run"); empty chains go.
 * Selecting no build is not an error (Packer exits 0): the result is then empty.
 */
export function planBuilds(t: Template, vars: ResolvedVariables, opts: PlanOptions): BuildSpec[] {
  const templateDir = dirname(t.file);
  const cwd = opts.cwd ?? templateDir;
  const declared = t.variables.map((v) => v.name);
  const coreContext: InterpolationContext = {
    userVariables: vars.values,
    declaredVariables: new Set(declared),
    enableEnv: false,
    templatePath: t.file,
    cwd,
    initTime: opts.initTime,
  };
  const only = new NameFilter(opts.only);
  const except = new NameFilter(opts.except);

  const named = nameBuilds(t, coreContext);
  return named
    .filter(({ name }) => buildSelected(name, only, except))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, builder }) => {
      const rawName = builder.name;
      const buildContext: InterpolationContext = { ...coreContext, buildName: name, buildType: builder.type };
      const provisioners = t.provisioners
        .filter((p) => !skippedFor(p, rawName))
        .map((p) => planProvisioner(t, p, rawName, coreContext));
      const chains = t.postProcessors
        .map((chain) => planChain(chain, rawName, except))
        .filter((chain) => chain.length > 0);
      const spec: BuildSpec = {
        name,
        builder: copyRaw(builder.raw),
        provisioners,
        postProcessorChains: chains,
        variables: { ...vars.values },
        declaredVariables: declared,
        sensitiveValues: [...vars.sensitiveValues],
        template: { displayPath: t.displayPath, path: t.file },
        files: [],
        initTime: opts.initTime.toISOString(),
        runUuid: opts.runUuid,
      };
      if (t.errorCleanupProvisioner) {
        spec.errorCleanupProvisioner = planProvisioner(t, t.errorCleanupProvisioner, rawName, coreContext);
      }
      spec.files = filesOfBuild(spec, { interpolation: buildContext, templateDir, cwd });
      return spec;
    });
}

function nameBuilds(t: Template, ctx: InterpolationContext): { name: string; builder: BuilderDecl }[] {
  const seen = new Map<string, BuilderDecl>();
  return t.builders.map((builder, i) => {
    const where = {
      file: t.displayPath,
      line: builder.position?.line,
      column: builder.position?.column,
      field: `builders[${i}].name`,
    };
    let name: string;
    try {
      name = render(builder.name, ctx);
    } catch (e) {
      if (!(e instanceof InterpolationError)) throw e;
      throw new TemplateError(`Error interpolating builder '${builder.name}': ${e.message}`, where);
    }
    // Packer would silently keep only the last of two builders whose names render alike.
    if (seen.has(name)) {
      throw new TemplateError(
        `builder ${i + 1}: builder with name '${name}' already exists (the name '${builder.name}' renders to it); give each builder a distinct name`,
        where,
      );
    }
    seen.set(name, builder);
    return { name, builder };
  });
}

/** A provisioner's or post-processor's own `only`/`except`, against the builder's raw name. */
function skippedFor(c: { only: string[]; except: string[] }, rawName: string): boolean {
  if (c.only.length > 0) return !c.only.includes(rawName);
  if (c.except.length > 0) return c.except.includes(rawName);
  return false;
}

function planProvisioner(t: Template, p: ProvisionerDecl, rawName: string, ctx: InterpolationContext): PlannedProvisioner {
  const raw = copyRaw(p.raw);
  const override = p.override[rawName];
  // Packer decodes the configuration, then the override over it: top-level keys are replaced.
  if (override) {
    for (const [key, value] of Object.entries(override)) {
      // The override is decoded after the configuration: its "Inline" replaces an "inline".
      for (const k of Object.keys(raw.config)) if (k !== key && goEqualFold(k, key)) delete raw.config[k];
      Object.defineProperty(raw.config, key, { value: structuredClone(value), enumerable: true, writable: true, configurable: true });
    }
  }
  return {
    type: p.type,
    raw,
    pauseBeforeMs: p.pauseBeforeMs,
    maxRetries: p.maxRetriesText === undefined ? p.maxRetries : renderMaxRetries(t, p, ctx),
    timeoutMs: p.timeoutMs,
  };
}

function renderMaxRetries(t: Template, p: ProvisionerDecl, ctx: InterpolationContext): number {
  const where = { file: t.displayPath, line: p.position?.line, column: p.position?.column, field: "max_retries" };
  let text: string;
  try {
    text = render(p.maxRetriesText ?? "", ctx);
  } catch (e) {
    if (!(e instanceof InterpolationError)) throw e;
    throw new TemplateError(`failed to interpolate \`max_retries\`: ${e.message}`, where);
  }
  if (!isGoInt(text)) {
    throw new TemplateError(`\`max_retries\` must be a valid integer: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`, where);
  }
  return Number(text);
}

function planChain(chain: readonly PostProcessorDecl[], rawName: string, except: NameFilter): PlannedPostProcessor[] {
  const out: PlannedPostProcessor[] = [];
  for (const pp of chain) {
    if (skippedFor(pp, rawName)) continue;
    if (pp.name !== undefined && pp.name !== "" && except.matches(pp.name)) break;
    const planned: PlannedPostProcessor = { type: pp.type, name: pp.name, raw: copyRaw(pp.raw) };
    if (pp.keepInputArtifact !== undefined) planned.keepInputArtifact = pp.keepInputArtifact;
    out.push(planned);
  }
  return out;
}

function filesOfBuild(spec: BuildSpec, ctx: FileScanContext): string[] {
  const components = [
    spec.builder,
    ...spec.provisioners.map((p) => p.raw),
    ...(spec.errorCleanupProvisioner ? [spec.errorCleanupProvisioner.raw] : []),
    ...spec.postProcessorChains.flat().map((p) => p.raw),
  ];
  return [...new Set(components.flatMap((c) => filesOfComponent(c, ctx)))].sort();
}

function copyRaw(raw: RawComponent): RawComponent {
  return structuredClone(raw);
}
