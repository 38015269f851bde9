/**
 * Files post-processors wrote beside a job's artifacts that the client must still get (a
 * manifest), as each post-processor plugin declares them (PostProcessorPlugin.extraOutputs). In
 * Packer they are side effects, not artifacts; on a farm they travel as artifacts with the
 * builder id the plugin gives, and the client treats those apart (cli/farm-client/manifest-merge.ts).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { prepareContextFor } from "../../shared/plan/build-interpolation.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import type { PluginCatalogue } from "../catalogue.js";
import type { Artifact } from "../runner/artifact.js";

export async function extraOutputArtifacts(spec: BuildSpec, workDir: string, catalogue: PluginCatalogue): Promise<Artifact[]> {
  const byFile = new Map<string, Artifact>();
  const prepare = prepareContextFor(spec, workDir, {});
  for (const pp of spec.postProcessorChains.flat()) {
    if (!catalogue.canRun("post-processor", pp.type)) continue;
    const plugin = await catalogue.postProcessor(pp.type);
    if (!plugin.extraOutputs) continue;
    let outputs;
    try {
      outputs = plugin.extraOutputs(plugin.schema.prepare(pp.raw, prepare));
    } catch {
      // The build already reported an invalid configuration; nothing was written.
      continue;
    }
    for (const out of outputs) {
      // Two post-processors writing one file (every build appending to one manifest): ship it once.
      if (byFile.has(out.file) || !existsSync(resolve(workDir, out.file))) continue;
      byFile.set(out.file, { builderId: out.builderId, id: out.file, files: [out.file], description: out.description });
    }
  }
  return [...byFile.values()];
}
