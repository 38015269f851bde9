/**
 * The build itself, with the runner every local build uses: relative paths resolve against the
 * bundle's root (the client packs the template's folder as that root, and the controller planned
 * against it), every temp file goes in the job's folder, the output goes to the bus.
 */
import { runBuildWithPolicy } from "../../runner/attempts.js";
import type { BuildOutcome } from "../../runner/build.js";
import { exitWith, type JobStep } from "./job-step.js";

export const stepRunBuild: JobStep<{ jobDir: string; bundleDir: string; templatePath: string }, { outcome: BuildOutcome }> = {
  name: "run the build",
  async run(ctx, { jobDir, bundleDir, templatePath }) {
    const { agent, job } = ctx;
    const outcome = await runBuildWithPolicy(
      { ...job.spec, template: { displayPath: job.spec.template.displayPath, path: templatePath } },
      {
        sink: ctx.output,
        signal: ctx.signal,
        workDir: bundleDir,
        // Every temp file of the build in the job folder: a crash's leftovers are reaped with it.
        tempDir: jobDir,
        onError: job.onError,
        force: job.force,
        catalogue: agent.catalogue,
        downloadCacheDir: agent.downloadCacheDir,
        warm: job.warm === true,
      },
      // Retries run here, on this agent, each attempt after the last one's cleanups.
      job.spec.policy,
    );
    if (outcome.cancelled) {
      if (!ctx.cancelRequested()) return exitWith({ kind: "hand-back" });
      return exitWith({ kind: "finished", state: "cancelled", error: outcome.error, artifacts: [], durationMs: outcome.durationMs });
    }
    return { outcome };
  },
};
