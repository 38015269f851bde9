/**
 * Post-processor chains, with Packer's rules for which artifacts survive: each chain starts from
 * the builder's artifact; a post-processor's wish to keep its input can be overridden by
 * `keep_input_artifact` unless it forces it; a failing post-processor stops its own chain only.
 */
import { errorMessage } from "../../shared/error-message.js";
import { withPackerForce } from "../../shared/components/raw-component.js";
import { rm } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { prepareContextFor } from "../../shared/plan/build-interpolation.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import type { PluginCatalogue } from "../catalogue.js";
import type { Artifact } from "./artifact.js";
import type { GeneratedData, RunContext } from "./context.js";
import { buildUi, type OutputSink } from "./ui.js";
import { BuildCancelledError } from "./steps.js";

export interface PostProcessOutcome {
  /** Artifacts that survive, builder's first when kept. */
  artifacts: Artifact[];
  errors: string[];
}

export async function runPostProcessors(
  ctx: RunContext,
  sink: OutputSink,
  spec: BuildSpec,
  builderArtifact: Artifact,
  generated: GeneratedData,
  catalogue: PluginCatalogue,
  force: boolean,
): Promise<PostProcessOutcome> {
  const kept: Artifact[] = [];
  const errors: string[] = [];
  let keepBuilderArtifact = spec.postProcessorChains.length === 0;
  for (const chain of spec.postProcessorChains) {
    let prior = builderArtifact;
    let completed = true;
    for (const [i, pp] of chain.entries()) {
      if (ctx.signal.aborted) throw new BuildCancelledError();
      // A JSON template's unnamed post-processor has no name (Packer names it after its type); an
      // HCL2 one's is its block label, "" when it has none, which Packer prints as it is.
      const label = pp.name === undefined || pp.name === pp.type ? pp.type : `${pp.name} (type ${pp.type})`;
      ctx.ui.say(`Running post-processor: ${label}`);
      let result;
      try {
        const plugin = await catalogue.postProcessor(pp.type);
        const prepare = prepareContextFor(spec, ctx.workDir, generated);
        const config = plugin.schema.prepare(withPackerForce(pp.raw, force), prepare);
        const ui = buildUi(sink, `${spec.name} (${pp.type})`); // Packer: the type, whatever the name
        result = await plugin.postProcess({ ...ctx, ui, prepare, generated }, config, prior);
      } catch (e) {
        if (ctx.signal.aborted) throw new BuildCancelledError();
        errors.push(`Post-processor failed: ${errorMessage(e)}`);
        completed = false;
        break;
      }
      let keep = result.keepInput;
      if (pp.keepInputArtifact !== undefined && !(result.keepInput && result.forceKeepInput)) keep = pp.keepInputArtifact;
      if (i === 0) keepBuilderArtifact ||= keep;
      else if (keep) kept.push(prior);
      else await destroyArtifact(ctx, prior, result.artifact);
      prior = result.artifact;
    }
    // As Packer: a chain that failed contributes only what it kept along the way.
    if (completed) kept.push(prior);
  }
  if (keepBuilderArtifact) kept.unshift(builderArtifact);
  else await destroyArtifact(ctx, builderArtifact, ...kept);
  return { artifacts: kept, errors };
}

/** Removes an artifact's files, sparing any a surviving artifact still lists (manifest passes its input on). */
async function destroyArtifact(ctx: RunContext, artifact: Artifact, ...survivors: Artifact[]): Promise<void> {
  if (survivors.includes(artifact)) return;
  const spared = new Set(survivors.flatMap((a) => a.files.map((f) => resolve(ctx.workDir, f))));
  const workDir = resolve(ctx.workDir);
  for (const f of artifact.files) {
    const path = resolve(ctx.workDir, f);
    // An empty path (a discarded docker container's artifact) names no file: Packer's os.Remove("")
    // fails quietly. Never the working folder itself, nor a folder holding it.
    if (f === "" || path === workDir || workDir.startsWith(path + sep)) continue;
    if (!spared.has(path)) await rm(path, { recursive: true, force: true });
  }
}
