/**
 * One job, from the message an agent pulled to its ack: decode, skip it if its build was
 * cancelled, keep it alive with in-progress acks, record it running, fetch and extract the
 * bundle, run the build with its output shipped to the bus, upload the artifacts, record the
 * outcome, ack. When the agent itself stops, the job is aborted (cleanups run) and handed back
 * with a nak so another agent takes it.
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import type { JsMsg } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import {
  BusDecodeError,
  controlSubject,
  DEAD_LETTER_SUBJECT,
  decodeControl,
  decodeJob,
  type Bus,
  type JobMessage,
  type JobRecord,
} from "../../shared/bus/index.js";
import { runBuild } from "../runner/build.js";
import { defaultCatalogue, type PluginCatalogue } from "../catalogue.js";
import { buildUi, ScrubbingSink } from "../runner/ui.js";
import { uploadArtifacts } from "./artifact-upload.js";
import { prepareArtifactsForExport } from "./export-artifacts.js";
import { manifestArtifacts } from "./manifest-artifacts.js";
import { bundleCacheDir, fetchBundle } from "./bundle-fetch.js";
import { BusOutputSink } from "./bus-output-sink.js";
import { createJobDir, removeJobDir } from "./job-dirs.js";
import { isBuildCancelled, JobRecordRefusedError, readJobRecord, updateJobRecord, type JobRecordAccess } from "./job-record.js";
import type { OperatorLog } from "../../shared/operator-log.js";

export interface JobRunnerContext {
  bus: Bus;
  agentName: string;
  workDir: string;
  log: OperatorLog;
  /** The consumer's ack wait: in-progress acks go out well within it. */
  ackWaitMs: number;
  /** Aborts when the agent stops: running jobs are aborted and handed back. */
  shutdown: AbortSignal;
  maxBundleBytes?: number;
  catalogue?: PluginCatalogue;
  /** Downloads (ISOs, disk images) shared by every job on this host. */
  downloadCacheDir?: string;
  /** Tells the agent which builds it is running (for `busy` in its presence). */
  onRunning?: (delta: 1 | -1) => void;
}

export type JobResult = "garbage" | "skipped" | "succeeded" | "failed" | "cancelled" | "requeued";

export async function runJob(msg: JsMsg, ctx: JobRunnerContext): Promise<JobResult> {
  let job: JobMessage;
  try {
    job = decodeJob(msg.data, msg.subject);
  } catch (e) {
    if (!(e instanceof BusDecodeError)) throw e;
    deadLetter(ctx, msg, e.message);
    return "garbage";
  }
  const attempt = msg.info.deliveryCount;
  const fields = { build: job.buildId, job: job.jobIndex, name: job.spec.name, attempt };

  // Keep the job ours while we look at it: in-progress acks restart JetStream's ack-wait clock.
  const keepAlive = setInterval(() => msg.working(), Math.max(200, Math.floor(ctx.ackWaitMs / 3)));
  const jobAbort = new AbortController();
  let cancelRequested = false;
  const onShutdown = (): void => jobAbort.abort();
  ctx.shutdown.addEventListener("abort", onShutdown, { once: true });
  const control = ctx.bus.nc.subscribe(controlSubject(job.buildId), {
    callback: (err, m) => {
      if (err) return;
      try {
        decodeControl(m.data, m.subject);
      } catch (e) {
        ctx.log.warn("undecodable control message dropped", { ...fields, reason: e instanceof Error ? e.message : String(e) });
        return;
      }
      cancelRequested = true;
      ctx.log.info("cancel requested", fields);
      jobAbort.abort();
    },
  });
  const sink = new BusOutputSink(ctx.bus.js, {
    buildId: job.buildId,
    agentName: ctx.agentName,
    jobIndex: job.jobIndex,
    attempt,
    onPublishError: (e) => ctx.log.error("build output could not be published", { ...fields, error: e.message }),
  });
  let jobDir: string | undefined;
  const started = performance.now();
  try {
    // Both reads at once: a job finished by an earlier delivery or the controller is dropped, a
    // job of a cancelled build is recorded cancelled without running.
    const [record, cancelled] = await Promise.all([readJobRecord(ctx.bus.builds, job), isBuildCancelled(ctx.bus.builds, job.buildId)]);
    if (record.state === "succeeded" || record.state === "failed" || record.state === "cancelled") {
      // Finished by an earlier delivery (its ack was lost) or by the controller (wait timeout).
      ctx.log.info("job already finished; dropping the redelivered message", { ...fields, state: record.state });
      await msg.ackAck().catch(() => false);
      return "skipped";
    }
    if (cancelled) {
      // Hold the job first: watchers pass on an agent's output only for jobs it held.
      await updateJobRecord(recordAccess(ctx), job, (r) => ({ ...r, agent: ctx.agentName }));
      await finish(ctx, job, sink, "cancelled", "The build was cancelled before this job started.", [], 0);
      await msg.ackAck().catch(() => false);
      ctx.log.info("job of a cancelled build dropped", fields);
      return "cancelled";
    }
    if (ctx.shutdown.aborted) throw new Requeue();

    const now = new Date().toISOString();
    await updateJobRecord(recordAccess(ctx), job, (r) => ({
      ...r,
      state: "running",
      agent: ctx.agentName,
      attempts: attempt,
      startedAt: now,
      finishedAt: undefined,
      error: undefined,
    }));
    sink.event({ kind: "job-started", jobIndex: job.jobIndex, name: job.spec.name, agent: ctx.agentName, attempt, time: now });
    ctx.onRunning?.(1);
    ctx.log.info("job started", fields);
    try {
      jobDir = await createJobDir(ctx.workDir, {
        agent: ctx.agentName,
        pid: process.pid,
        buildId: job.buildId,
        jobIndex: job.jobIndex,
        attempt,
        startedAt: now,
      });
      const bundleDir = join(jobDir, "bundle");
      let templatePath: string;
      try {
        await fetchBundle(ctx.bus.bundles, job.bundle, bundleCacheDir(ctx.workDir), bundleDir, ctx.maxBundleBytes);
        templatePath = templateIn(bundleDir, job.templateInBundle);
      } catch (e) {
        const error = `the template bundle could not be prepared: ${errorText(e)}`;
        await finish(ctx, job, sink, "failed", error, [], performance.now() - started);
        await msg.ackAck().catch(() => false);
        ctx.log.error("job failed", { ...fields, error });
        return "failed";
      }
      // Relative paths resolve against the bundle's root, as they did when the controller planned
      // and validated the template (the client packs the template's folder as that root).
      const buildDir = bundleDir;
      const outcome = await runBuild(
        { ...job.spec, template: { displayPath: job.spec.template.displayPath, path: templatePath } },
        { sink, signal: jobAbort.signal, workDir: buildDir, onError: job.onError, force: job.force, catalogue: ctx.catalogue, downloadCacheDir: ctx.downloadCacheDir },
      );
      if (outcome.cancelled && !cancelRequested) throw new Requeue();

      let error = outcome.error;
      let artifacts: JobRecord["artifacts"] = [];
      let cancelledWhileShipping = false;
      const shipped = outcome.cancelled ? [] : [...outcome.artifacts, ...manifestArtifacts(job.spec, buildDir)];
      if (shipped.length > 0) {
        try {
          // What leaves this machine must not point back at it (a qcow2 overlay's base image).
          const ui = buildUi(new ScrubbingSink(sink, job.spec.sensitiveValues), job.spec.name);
          const exported = await prepareArtifactsForExport(shipped, job.spec.builder.type, ctx.catalogue ?? defaultCatalogue, {
            ui,
            signal: jobAbort.signal,
            workDir: buildDir,
          });
          artifacts = await uploadArtifacts(exported, {
            store: ctx.bus.artifacts,
            buildId: job.buildId,
            jobIndex: job.jobIndex,
            attempt,
            workDir: buildDir,
            warn: (m) => ctx.log.warn(m, fields),
          });
        } catch (e) {
          // Stopped while flattening or uploading: the agent's shutdown hands the job back.
          if (jobAbort.signal.aborted && !cancelRequested) throw new Requeue();
          cancelledWhileShipping = jobAbort.signal.aborted;
          error = cancelledWhileShipping ? "Build was cancelled." : [error, `uploading the artifacts failed: ${errorText(e)}`].filter(Boolean).join("\n");
        }
      }
      const state = outcome.cancelled || cancelledWhileShipping ? "cancelled" : error ? "failed" : "succeeded";
      await finish(ctx, job, sink, state, error, artifacts, outcome.durationMs);
      await msg.ackAck().catch(() => false);
      ctx.log.info(`job ${state}`, { ...fields, error, durationMs: Math.round(outcome.durationMs) });
      return state;
    } finally {
      ctx.onRunning?.(-1);
    }
  } catch (e) {
    if (e instanceof Requeue) {
      await handBack(ctx, job, sink, attempt);
      msg.nak();
      ctx.log.info("agent stopping: job handed back for another agent", fields);
      return "requeued";
    }
    if (e instanceof JobRecordRefusedError) {
      // Finished by the controller (a wait timeout) or taken over by another agent's later
      // attempt: not ours any more, and another delivery would be refused the same way.
      ctx.log.warn("the controller refused this agent's record of the job; dropping it", { ...fields, error: e.message });
      msg.term();
      return "skipped";
    }
    // The bus itself failed us (records, events): let JetStream redeliver the job.
    ctx.log.error("job could not be processed; it will be redelivered", { ...fields, error: errorText(e) });
    msg.nak(1000);
    return "failed";
  } finally {
    clearInterval(keepAlive);
    ctx.shutdown.removeEventListener("abort", onShutdown);
    control.unsubscribe();
    await sink.flush();
    if (jobDir) await removeJobDir(jobDir).catch(() => undefined);
  }
}

class Requeue extends Error {}

async function finish(
  ctx: JobRunnerContext,
  job: JobMessage,
  sink: BusOutputSink,
  state: "succeeded" | "failed" | "cancelled",
  error: string | undefined,
  artifacts: JobRecord["artifacts"],
  durationMs: number,
): Promise<void> {
  const time = new Date().toISOString();
  // Output first, record last: whoever sees the record finished finds all of the output stored.
  sink.event({ kind: "job-finished", jobIndex: job.jobIndex, name: job.spec.name, state, error, durationMs, artifacts, time });
  await sink.flush();
  await updateJobRecord(recordAccess(ctx), job, (r) => ({ ...r, state, finishedAt: time, error, artifacts }));
}

/** The agent is stopping: the job goes back to queued so the next agent's record starts clean. */
async function handBack(ctx: JobRunnerContext, job: JobMessage, sink: BusOutputSink, attempt: number): Promise<void> {
  const time = new Date().toISOString();
  const reason = `agent ${ctx.agentName} stopped during attempt ${attempt}; the job goes back to the queue`;
  await updateJobRecord(recordAccess(ctx), job, (r) => ({ ...r, state: "queued", agent: undefined, startedAt: undefined, error: undefined })).catch(
    (e: unknown) => ctx.log.error("could not record the handed-back job", { build: job.buildId, job: job.jobIndex, error: errorText(e) }),
  );
  sink.event({ kind: "job-waiting", jobIndex: job.jobIndex, name: job.spec.name, reason, time });
}

/** The template's path inside the extracted bundle; the job message may not point outside it. */
function templateIn(bundleDir: string, templateInBundle: string): string {
  const path = resolve(bundleDir, templateInBundle);
  const rel = relative(bundleDir, path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    throw new Error(`the job's template path "${templateInBundle}" is not inside the bundle`);
  }
  return path;
}

/** Garbage is republished for operators with the reason, then terminated so it is never redelivered. */
function deadLetter(ctx: JobRunnerContext, msg: JsMsg, reason: string): void {
  ctx.log.warn("undecodable job message dead-lettered", { subject: msg.subject, seq: msg.seq, reason, to: DEAD_LETTER_SUBJECT });
  const h = headers();
  h.set("Kiln-Reason", reason);
  h.set("Kiln-Subject", msg.subject);
  h.set("Kiln-Agent", ctx.agentName);
  try {
    ctx.bus.nc.publish(DEAD_LETTER_SUBJECT, msg.data, { headers: h });
  } catch (e) {
    ctx.log.error("could not dead-letter a message", { error: errorText(e) });
  }
  msg.term();
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function recordAccess(ctx: JobRunnerContext): JobRecordAccess {
  return { kv: ctx.bus.builds, nc: ctx.bus.nc, agentName: ctx.agentName };
}
