/** What the AMI-making amazon builders hand back. */
import type { Artifact } from "../../runner/artifact.js";

/** Packer's amazon Artifact: id "region:ami,region:ami" (sorted), one line per region in the description. */
export function amiArtifact(builderId: string, amis: Record<string, string>): Artifact {
  const regions = Object.keys(amis).sort();
  return {
    builderId,
    id: regions.map((r) => `${r}:${amis[r]}`).join(","),
    files: [],
    description: `AMIs were created:\n${regions.map((r) => `${r}: ${amis[r]}`).join("\n")}\n`,
    state: { amis: { ...amis } },
  };
}
