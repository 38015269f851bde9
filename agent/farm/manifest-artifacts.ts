/**
 * The files `manifest` post-processors wrote during a job. In Packer the manifest is a side
 * effect, not an artifact; on a farm it must still reach the client, which merges the manifests of
 * every job into one file as a local build of the whole template would have written. So the agent
 * ships each as an artifact with the manifest post-processor's builder id, and the client treats
 * those apart (cli/farm-client/manifest-merge.ts).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { schema as manifestSchema } from "../../shared/components/post-processors/manifest.js";
import { prepareContextFor } from "../../shared/plan/build-interpolation.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import { MANIFEST_ARTIFACT_BUILDER_ID } from "../../shared/bus/messages.js";
import type { Artifact } from "../runner/artifact.js";

export function manifestArtifacts(spec: BuildSpec, workDir: string): Artifact[] {
  const outputs = new Set<string>();
  const prepare = prepareContextFor(spec, workDir, {});
  for (const pp of spec.postProcessorChains.flat()) {
    if (pp.type !== "manifest") continue;
    try {
      outputs.add(manifestSchema.prepare(pp.raw, prepare).output);
    } catch {
      // The build already reported an invalid manifest configuration; nothing was written.
    }
  }
  return [...outputs]
    .filter((output) => existsSync(resolve(workDir, output)))
    .map((output) => ({ builderId: MANIFEST_ARTIFACT_BUILDER_ID, id: output, files: [output], description: `Manifest: ${output}` }));
}
