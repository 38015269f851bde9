/**
 * Which volumes a build creates and which it only uses, decided before anything is made: a volume
 * with a source must not exist yet (the build makes it and removes it at the end, unless it is the
 * artifact of a successful build); one without a source must exist, except the artifact, which is
 * then created empty (an installer's target disk). The plugin's rules, checked up front so a
 * half-made build never has to guess.
 */
import type { Config, LibvirtVolume } from "../../../shared/components/builders/libvirt.js";
import type { LibvirtConnection, StoragePool } from "./binding/connection.js";

export interface VolumePlan {
  volume: LibvirtVolume;
  pool: StoragePool;
  /** True when the build makes this volume (and so must remove it on failure). */
  create: boolean;
  isArtifact: boolean;
}

export async function planVolumes(conn: LibvirtConnection, config: Config): Promise<VolumePlan[]> {
  const pools = new Map<string, StoragePool>();
  const plans: VolumePlan[] = [];
  try {
    for (const volume of config.volumes) {
      let pool = pools.get(volume.pool);
      if (!pool) {
        pool = await conn.pool(volume.pool);
        pools.set(volume.pool, pool);
      }
      const isArtifact = volume.alias === config.artifactVolumeAlias;
      const existing = await pool.lookupVolume(volume.name);
      existing?.free();
      if (volume.source && existing) {
        throw new Error(`volume ${volume.pool}/${volume.name} already exists: a volume with a source is made by the build (delete it with virsh vol-delete --pool ${volume.pool} ${volume.name}, or name another)`);
      }
      if (!volume.source && !existing && !isArtifact) {
        throw new Error(`volume ${volume.pool}/${volume.name} does not exist: a volume without a source must exist before the build`);
      }
      plans.push({ volume, pool, create: !existing, isArtifact });
    }
  } catch (e) {
    for (const p of pools.values()) p.free();
    throw e;
  }
  return plans;
}
