/**
 * The build's artifacts made fit to leave this machine: the builder may flatten them (a qcow2
 * overlay's base image; BuilderPlugin.prepareForExport), and the files post-processors declare as
 * extra outputs (a manifest) join them.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { defaultCatalogue } from "../../catalogue.js";
import type { Artifact } from "../../runner/artifact.js";
import type { BuildOutcome } from "../../runner/build.js";
import { buildUi, ScrubbingSink } from "../../runner/ui.js";
import { prepareArtifactsForExport } from "../export-artifacts.js";
import { extraOutputArtifacts } from "../extra-outputs.js";
import { exitWith, type JobContext, type JobExit, type JobStep } from "./job-step.js";

export const stepExport: JobStep<{ bundleDir: string; outcome: BuildOutcome }, { exported: Artifact[] }> = {
  name: "prepare the artifacts for export",
  async run(ctx, { bundleDir, outcome }) {
    const { agent, job } = ctx;
    const catalogue = agent.catalogue ?? defaultCatalogue;
    try {
      const shipped = [...outcome.artifacts, ...(await extraOutputArtifacts(job.spec, bundleDir, catalogue))];
      if (shipped.length === 0) return { exported: [] };
      const ui = buildUi(new ScrubbingSink(ctx.output, job.spec.sensitiveValues), job.spec.name);
      const exported = await prepareArtifactsForExport(shipped, job.spec.builder.type, catalogue, { ui, signal: ctx.signal, workDir: bundleDir });
      return { exported };
    } catch (e) {
      return shippingFailed(ctx, outcome, "preparing the artifacts for export", e);
    }
  },
};

/**
 * Shipping (export, upload) stopped: by the agent's stop (hand the job back), by a cancel (the
 * job is cancelled), or by a failure (the job fails, after whatever the build itself said).
 */
export function shippingFailed(ctx: JobContext, outcome: BuildOutcome, what: string, e: unknown): JobExit {
  if (ctx.signal.aborted && !ctx.cancelRequested()) return exitWith({ kind: "hand-back" });
  if (ctx.signal.aborted) return exitWith({ kind: "finished", state: "cancelled", error: "Build was cancelled.", artifacts: [], durationMs: outcome.durationMs });
  const error = [outcome.error, `${what} failed: ${errorMessage(e)}`].filter(Boolean).join("\n");
  return exitWith({ kind: "finished", state: "failed", error, artifacts: [], durationMs: outcome.durationMs });
}
