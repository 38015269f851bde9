/**
 * The template bundle, fetched (cached by sha256) and extracted into the job's folder. A bundle
 * that cannot be had fails the job for good: a redelivery would not bring it back. A cancel or
 * the agent's shutdown ends the wait for it at once.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { isAbsolute, join, relative, resolve } from "node:path";
import { bundleCacheDir, fetchBundle } from "../bundle-fetch.js";
import { exitWith, type JobStep } from "./job-step.js";

export const stepBundle: JobStep<{ jobDir: string }, { bundleDir: string; templatePath: string }> = {
  name: "fetch the template bundle",
  async run(ctx, { jobDir }) {
    const { agent, job } = ctx;
    const bundleDir = join(jobDir, "bundle");
    try {
      await fetchBundle(agent.bus.bundleSource, job.bundle, bundleCacheDir(agent.workDir), bundleDir, agent.maxBundleBytes, ctx.signal);
      return { bundleDir, templatePath: templateIn(bundleDir, job.templateInBundle) };
    } catch (e) {
      // Stopped while the bundle came (a slow read, a NATS outage): a cancel ends the job, an agent's shutdown hands it back.
      if (ctx.signal.aborted && !ctx.cancelRequested()) return exitWith({ kind: "hand-back" });
      if (ctx.signal.aborted) return exitWith({ kind: "finished", state: "cancelled", error: "Build was cancelled.", artifacts: [], durationMs: performance.now() - ctx.startedAt });
      const error = `the template bundle could not be prepared: ${errorMessage(e)}`;
      return exitWith({ kind: "finished", state: "failed", error, artifacts: [], durationMs: performance.now() - ctx.startedAt });
    }
  },
};

/** The template's path inside the extracted bundle; the job message may not point outside it (the schema checks too). */
function templateIn(bundleDir: string, templateInBundle: string): string {
  const path = resolve(bundleDir, templateInBundle);
  const rel = relative(bundleDir, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    throw new Error(`the job's template path "${templateInBundle}" is not inside the bundle`);
  }
  return path;
}
