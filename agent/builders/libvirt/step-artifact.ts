/**
 * The artifact is the artifact volume, left in its pool (the plugin's artifact: pool, name,
 * format, key). With Kiln's `output_directory` it is also downloaded there through libvirtd as a
 * file the post-processors and the farm can carry.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../../shared/components/builders/libvirt.js";
import type { Artifact } from "../../runner/artifact.js";
import type { Step } from "../../runner/steps.js";
import { volumeFacts } from "./domain-xml.js";
import type { VolumesReady } from "./step-create-volumes.js";

/** The plugin's builder id (its artifacts' BuilderId). */
export const BUILDER_ID = "thomasklein94.libvirt";

export interface ArtifactReady {
  artifact: Artifact;
}

export function stepArtifact(config: Config, outcome: { succeeded: boolean }): Step<VolumesReady, ArtifactReady> {
  return {
    name: "artifact",
    async run(ctx, state) {
      const volume = state.artifactVolume;
      const facts = volumeFacts(await volume.xml());
      const spec = config.volumes.find((v) => v.alias === config.artifactVolumeAlias)!;
      const files: string[] = [];
      if (config.outputDirectory) {
        const dir = path.resolve(ctx.workDir, config.outputDirectory);
        await mkdir(dir, { recursive: true });
        const file = path.join(dir, spec.name);
        ctx.ui.say(`Downloading volume ${spec.pool}/${spec.name} into ${path.relative(ctx.workDir, file) || file}`);
        await volume.download(file, ctx.signal);
        files.push(file);
      }
      outcome.succeeded = true;
      const format = facts.format ?? spec.format ?? "raw";
      return {
        artifact: {
          builderId: BUILDER_ID,
          id: facts.key ?? facts.path,
          files,
          description: `Libvirt volume ${spec.pool}/${spec.name} in ${format} format was generated`,
          state: {
            Pool: spec.pool,
            Volume: spec.name,
            Key: facts.key ?? facts.path,
            Format: format,
            Capacity: `${facts.capacityBytes}B`,
            Allocation: `${facts.allocationBytes}B`,
            RemotePath: facts.path,
            // For post-processors on this host (vagrant): the volume's file, or its download.
            diskPath: files[0] ?? facts.path,
            diskType: format,
            libvirtUri: config.libvirtUri,
          },
        },
      };
    },
  };
}
