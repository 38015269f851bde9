/**
 * The exported files into the artifacts object store (streamed, hashed), described as
 * ArtifactRefs: the job's outcome, which finish.ts records.
 */
import type { Artifact } from "../../runner/artifact.js";
import type { BuildOutcome } from "../../runner/build.js";
import { uploadArtifacts } from "../artifact-upload.js";
import { exitWith, type JobStep } from "./job-step.js";
import { shippingFailed } from "./step-export.js";

export const stepUpload: JobStep<{ bundleDir: string; outcome: BuildOutcome; exported: Artifact[] }, object> = {
  name: "upload the artifacts",
  async run(ctx, { bundleDir, outcome, exported }) {
    const { agent, job } = ctx;
    let artifacts;
    try {
      artifacts =
        exported.length === 0
          ? []
          : await uploadArtifacts(exported, {
              bus: agent.bus,
              buildId: job.buildId,
              attempt: ctx.attempt,
              jobIndex: job.jobIndex,
              workDir: bundleDir,
              warn: (m) => agent.log.warn(m, ctx.fields),
            });
    } catch (e) {
      return shippingFailed(ctx, outcome, "uploading the artifacts", e);
    }
    return exitWith({ kind: "finished", state: outcome.error ? "failed" : "succeeded", error: outcome.error, artifacts, durationMs: outcome.durationMs });
  },
};
