/**
 * One job, from the message an agent pulled to its ack: decode, skip it if its build was
 * cancelled, keep it alive with in-progress acks, record it running, fetch and extract the
 * bundle, run the build with its output shipped to the bus, upload the artifacts, record the
 * outcome, ack. When the agent itself stops, the job is aborted (cleanups run) and handed back
 * with a nak so another agent takes it.
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import type { JsMsg } from "@nats-io/jetstream";
import type { Subscription } from "@nats-io/transport-node";
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
import { isBuildCancelled, readJobRecord, updateJobRecord } from "./job-record.js";
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
  /**
   * Aborts a while after the stop began: writes to the bus (records, output) stop retrying, so a
   * stop while NATS is away ends. Cleanups on this host are not bounded by it.
   */
  busGiveUp?: AbortSignal;
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
    deadLetter(ctx, msg, errorText(e));
    return "garbage";
  }
  const attempt = msg.info.deliveryCount;
  const fields = { build: job.buildId, job: job.jobIndex, name: job.spec.name, attempt };

  // Everything the job holds is made inside the try, so the finally releases all of it whatever
  // fails: a timer or subscription left behind would keep the job alive and the agent running.
  let keepAlive: NodeJS.Timeout | undefined;
  let control: Subscription | undefined;
  let sink: BusOutputSink | undefined;
  const jobAbort = new AbortController();
  let cancelRequested = false;
  const onShutdown = (): void => jobAbort.abort();
  let jobDir: string | undefined;
  let running = false;
  const started = performance.now();
  try {
    // Keep the job ours while we look at it: in-progress acks restart JetStream's ack-wait clock.
    keepAlive = setInterval(() => msg.working(), Math.max(200, Math.floor(ctx.ackWaitMs / 3)));
    ctx.shutdown.addEventListener("abort", onShutdown, { once: true });
    control = ctx.bus.nc.subscribe(controlSubject(job.buildId), {
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
    const output = (sink = new BusOutputSink(ctx.bus.js, {
      buildId: job.buildId,
      jobIndex: job.jobIndex,
      attempt,
      signal: ctx.busGiveUp,
      onPublishError: (e) => ctx.log.error("build output could not be published", { ...fields, error: e.message }),
    }));
    // Both reads at once: a job finished by an earlier delivery or the controller is dropped, a
    // job of a cancelled build is recorded cancelled without running.
    const [record, cancelled] = await onBus(() => Promise.all([readJobRecord(ctx.bus.builds, job), isBuildCancelled(ctx.bus.builds, job.buildId)]));
    if (record.state === "succeeded" || record.state === "failed" || record.state === "cancelled") {
      // Finished by an earlier delivery (its ack was lost) or by the controller (wait timeout).
      ctx.log.info("job already finished; dropping the redelivered message", { ...fields, state: record.state });
      await msg.ackAck().catch(() => false);
      return "skipped";
    }
    if (cancelled) {
      await onBus(() => finish(ctx, job, output, "cancelled", "The build was cancelled before this job started.", [], 0));
      await msg.ackAck().catch(() => false);
      ctx.log.info("job of a cancelled build dropped", fields);
      return "cancelled";
    }
    if (ctx.shutdown.aborted) throw new Requeue();

    const now = new Date().toISOString();
    const lost = lostAttempt(record, attempt);
    if (lost) {
      // Its agent died without a word (kill -9, power loss): say so between that attempt's output
      // and this one's, as a stopping agent does when it hands a job back.
      output.event({ kind: "job-waiting", jobIndex: job.jobIndex, name: job.spec.name, reason: lost, time: now });
      ctx.log.warn("an earlier attempt of this job was lost; running it again", { ...fields, reason: lost });
    }
    await onBus(() =>
      updateJobRecord(ctx.bus.builds, job, (r) => ({
        ...r,
        state: "running",
        agent: ctx.agentName,
        attempts: attempt,
        startedAt: now,
        finishedAt: undefined,
        error: undefined,
      }), ctx.busGiveUp),
    );
    output.event({ kind: "job-started", jobIndex: job.jobIndex, name: job.spec.name, agent: ctx.agentName, attempt, time: now });
    ctx.onRunning?.(1);
    running = true;
    ctx.log.info("job started", fields);
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
      await onBus(() => finish(ctx, job, output, "failed", error, [], performance.now() - started));
      await msg.ackAck().catch(() => false);
      ctx.log.error("job failed", { ...fields, error });
      return "failed";
    }
    // Relative paths resolve against the bundle's root, as they did when the controller planned
    // and validated the template (the client packs the template's folder as that root).
    const buildDir = bundleDir;
    const outcome = await runBuild(
      { ...job.spec, template: { displayPath: job.spec.template.displayPath, path: templatePath } },
      {
        sink: output,
        signal: jobAbort.signal,
        workDir: buildDir,
        // Every temp file of the build in the job folder: a crash's leftovers are reaped with it.
        tempDir: jobDir,
        onError: job.onError,
        force: job.force,
        catalogue: ctx.catalogue,
        downloadCacheDir: ctx.downloadCacheDir,
      },
    );
    if (outcome.cancelled && !cancelRequested) throw new Requeue();

    let error = outcome.error;
    let artifacts: JobRecord["artifacts"] = [];
    let cancelledWhileShipping = false;
    const shipped = outcome.cancelled ? [] : [...outcome.artifacts, ...manifestArtifacts(job.spec, buildDir)];
    if (shipped.length > 0) {
      try {
        // What leaves this machine must not point back at it (a qcow2 overlay's base image).
        const ui = buildUi(new ScrubbingSink(output, job.spec.sensitiveValues), job.spec.name);
        const exported = await prepareArtifactsForExport(shipped, job.spec.builder.type, ctx.catalogue ?? defaultCatalogue, {
          ui,
          signal: jobAbort.signal,
          workDir: buildDir,
        });
        artifacts = await uploadArtifacts(exported, {
          store: ctx.bus.artifacts,
          buildId: job.buildId,
          jobIndex: job.jobIndex,
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
    await onBus(() => finish(ctx, job, output, state, error, artifacts, outcome.durationMs));
    await msg.ackAck().catch(() => false);
    ctx.log.info(`job ${state}`, { ...fields, error, durationMs: Math.round(outcome.durationMs) });
    return state;
  } catch (e) {
    if (e instanceof Requeue) {
      if (sink) await handBack(ctx, job, sink, attempt);
      msg.nak();
      ctx.log.info("agent stopping: job handed back for another agent", fields);
      return "requeued";
    }
    if (e instanceof BusTrouble) {
      // The bus itself failed us (records, events): let JetStream redeliver the job; after its
      // last delivery the controller fails it (MAX_DELIVERIES advisory).
      ctx.log.error("job could not be processed; it will be redelivered", { ...fields, error: errorText(e.cause) });
      msg.nak(1000);
      return "failed";
    }
    // A fault of this agent (or a value the schema let through): running it again would fail
    // again, so the job fails for good, with the reason, and its message goes to the dead letters.
    const reason = `the agent could not process the job: ${errorText(e)}`;
    ctx.log.error("job failed by a fault of the agent; dead-lettered", { ...fields, error: reason });
    await updateJobRecord(ctx.bus.builds, job, (r) => ({ ...r, state: "failed", finishedAt: new Date().toISOString(), error: reason }), ctx.busGiveUp).catch(
      (re: unknown) => ctx.log.error("could not record the failed job", { ...fields, error: errorText(re) }),
    );
    deadLetter(ctx, msg, reason);
    return "failed";
  } finally {
    if (running) ctx.onRunning?.(-1);
    clearInterval(keepAlive);
    ctx.shutdown.removeEventListener("abort", onShutdown);
    control?.unsubscribe();
    await sink?.flush();
    if (jobDir) await removeJobDir(jobDir).catch(() => undefined);
  }
}

/** The bus (NATS, KV, the output stream) failed an operation: worth a redelivery. */
class BusTrouble extends Error {
  constructor(override readonly cause: unknown) {
    super(errorText(cause));
  }
}

/** Runs a bus operation; its failure means "try again later", except a record that is garbage. */
async function onBus<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    throw e instanceof BusDecodeError ? e : new BusTrouble(e);
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
  await updateJobRecord(ctx.bus.builds, job, (r) => ({ ...r, state, finishedAt: time, error, artifacts }), ctx.busGiveUp);
}

/** The agent is stopping: the job goes back to queued so the next agent's record starts clean. */
async function handBack(ctx: JobRunnerContext, job: JobMessage, sink: BusOutputSink, attempt: number): Promise<void> {
  const time = new Date().toISOString();
  const reason = `agent ${ctx.agentName} stopped during attempt ${attempt}; the job goes back to the queue`;
  await updateJobRecord(ctx.bus.builds, job, (r) => ({ ...r, state: "queued", agent: undefined, startedAt: undefined, error: undefined }), ctx.busGiveUp).catch(
    (e: unknown) => ctx.log.error("could not record the handed-back job", { build: job.buildId, job: job.jobIndex, error: errorText(e) }),
  );
  sink.event({ kind: "job-waiting", jobIndex: job.jobIndex, name: job.spec.name, reason, time });
}

/**
 * A record still "running" for an earlier attempt means that attempt's agent never finished it nor
 * handed it back: JetStream redelivered the job after the ack wait. The line users see says so.
 */
function lostAttempt(record: JobRecord, attempt: number): string | undefined {
  if (record.state !== "running" || record.attempts >= attempt) return undefined;
  const where = record.agent ? ` on agent ${record.agent}` : "";
  return `attempt ${record.attempts}${where} was lost (agent stopped responding); retrying as attempt ${attempt}`;
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

/** A job that cannot be processed is republished for operators with the reason, then terminated so it is never redelivered. */
function deadLetter(ctx: JobRunnerContext, msg: JsMsg, reason: string): void {
  ctx.log.warn("job message dead-lettered", { subject: msg.subject, seq: msg.seq, reason, to: DEAD_LETTER_SUBJECT });
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
