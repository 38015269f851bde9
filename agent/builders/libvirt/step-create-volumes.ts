/**
 * Creates the planned volumes in block order. Cleanup deletes every volume the build created,
 * except the artifact volume once the build succeeded (the plugin's rule: a volume with a source
 * is the build's own; the artifact outlives it).
 */
import type { Config } from "../../../shared/components/builders/libvirt.js";
import type { Step } from "../../runner/steps.js";
import type { StorageVolume } from "./binding/connection.js";
import { createVolume } from "./create-volume.js";
import type { DomainDefined } from "./step-define-domain.js";
import type { LibvirtConnected } from "./step-open-connection.js";

export interface VolumesReady {
  artifactVolume: StorageVolume;
}

export function stepCreateVolumes(config: Config, outcome: { succeeded: boolean }): Step<LibvirtConnected & DomainDefined, VolumesReady> {
  const created: { volume: StorageVolume; label: string; isArtifact: boolean }[] = [];
  const opened: StorageVolume[] = [];
  return {
    name: "create volumes",
    async run(ctx, state) {
      let artifactVolume: StorageVolume | undefined;
      for (const plan of state.plans) {
        const label = `${plan.volume.pool}/${plan.volume.name}`;
        let volume: StorageVolume;
        if (plan.create) {
          ctx.ui.say(`Preparing volume ${label}`);
          volume = await createVolume(ctx, state.conn, plan.pool, plan.volume, config.domainName);
          created.push({ volume, label, isArtifact: plan.isArtifact });
        } else {
          volume = await plan.pool.volume(plan.volume.name);
          opened.push(volume);
        }
        if (plan.isArtifact) artifactVolume = volume;
      }
      if (!artifactVolume) throw new Error("no artifact volume was prepared");
      return { artifactVolume };
    },
    async cleanup(ctx) {
      for (const { volume, label, isArtifact } of created.splice(0).reverse()) {
        try {
          if (isArtifact && outcome.succeeded) continue;
          ctx.ui.say(`Deleting volume ${label}`);
          await volume.delete();
        } finally {
          volume.free();
        }
      }
      for (const v of opened.splice(0)) v.free();
    },
  };
}
