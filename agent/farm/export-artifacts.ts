/**
 * Before an agent uploads a job's artifacts, the build's builder may make them self-contained
 * (BuilderPlugin.prepareForExport: qemu flattens overlays). The farm stays generic: it only asks.
 */
import type { PluginCatalogue } from "../catalogue.js";
import type { ExportContext } from "../builders/types.js";
import type { Artifact } from "../runner/artifact.js";

export async function prepareArtifactsForExport(
  artifacts: readonly Artifact[],
  builderType: string,
  catalogue: PluginCatalogue,
  ctx: ExportContext,
): Promise<Artifact[]> {
  const plugin = await catalogue.builder(builderType);
  const prepare = plugin.prepareForExport?.bind(plugin);
  if (!prepare) return [...artifacts];
  const out: Artifact[] = [];
  // One at a time: flattening a disk is heavy on I/O, and the files may be shared.
  for (const artifact of artifacts) out.push(await prepare(artifact, ctx));
  return out;
}
