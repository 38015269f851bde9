/**
 * `-resume` on a farm: each build of a submission is fingerprinted (shared/plan/fingerprint) from
 * the bundle the controller holds; with -resume, a build whose fingerprint an earlier job already
 * built, and whose artifact files are all still in the artifacts object store, is not queued: its
 * job is recorded as succeeded with those artifacts (the client downloads them as usual) and says
 * which build it reused. Reused jobs are never themselves a source, so the chain stays one hop.
 */
import path from "node:path";
import { buildFingerprint } from "../shared/plan/fingerprint/index.js";
import type { BuildSpec } from "../shared/plan/build-spec.js";
import type { JobRecord } from "../shared/bus/index.js";
import type { BuildIndex } from "./build-index.js";
import type { ControllerContext } from "./context.js";

export interface ReusePlan {
  /** By job index. */
  fingerprints: string[];
  /** Job index → the earlier job whose artifacts it takes. */
  reused: Map<number, JobRecord>;
}

export async function planReuse(ctx: ControllerContext, index: BuildIndex | undefined, specs: readonly BuildSpec[], resume: boolean): Promise<ReusePlan> {
  const fingerprints = await Promise.all(specs.map((s) => buildFingerprint(s, path.dirname(s.template.path))));
  const reused = new Map<number, JobRecord>();
  if (!resume || !index) return { fingerprints, reused };
  for (const [jobIndex, fingerprint] of fingerprints.entries()) {
    for (const candidate of index.succeededWithFingerprint(fingerprint)) {
      if (await artifactsStillStored(ctx, candidate)) {
        reused.set(jobIndex, candidate);
        break;
      }
    }
  }
  return { fingerprints, reused };
}

/** Every file of every artifact is still an object in the store (retention may have removed it). */
async function artifactsStillStored(ctx: ControllerContext, job: JobRecord): Promise<boolean> {
  const files = job.artifacts.flatMap((a) => a.files);
  if (files.length === 0) return false;
  for (const f of files) {
    const info = await ctx.bus.artifacts.info(f.object).catch(() => null);
    if (!info || info.deleted || info.size !== f.size) return false;
  }
  return true;
}
