/**
 * WatchBuild: replays a build's output stream (`kiln.build.<id>.>` in KILN_BUILD_OUTPUT) from
 * after the sequence the client saw last, with each item's stream sequence, so a client that
 * reconnects resumes without gaps or duplicates. Following, it ends once every job is finished
 * and their output has been sent.
 */
import { DeliverPolicy, type JsMsg, type MsgRequest, type NextMsgRequest } from "@nats-io/jetstream";
import {
  BUILD_OUTPUT_STREAM,
  buildOutputFilter,
  BusDecodeError,
  BusStalledError,
  decodeBuildEvent,
  isBusOutage,
  reasonOf,
  decodeLogLineKeepingEncoding,
  decompressLogText,
  holderAt,
  outputPublisher,
  type BuildEvent,
  type JobRecord,
} from "../shared/bus/index.js";
import type { BuildOutput, WatchBuildRequest } from "../proto/gen/kiln/v1/farm.js";
import { allJobsFinished, artifactToProto, stateToProto } from "./build-view.js";
import type { ControllerContext } from "./context.js";
import { notFound, unavailable } from "./errors.js";
import { sleep } from "../shared/sleep.js";
import { readBuild, readBuildRecord, readJobRecord, requireBuildId } from "./records.js";

/** Where the items go; the gRPC call, or anything that can be written to with back-pressure. */
export interface OutputWriter {
  write(item: BuildOutput): boolean;
  once(event: "drain", listener: () => void): unknown;
  /** True once the client went away. */
  readonly cancelled: boolean;
}

/** A fetch returns after this long when nothing new arrives (the client library's minimum is 1 s). */
const IDLE_FETCH_MS = 1000;
/** A fetch not over this long after it should have expired means the bus is away. */
const FETCH_STALL_MS = 4000;
/**
 * A fetch that delivered and is not over this long after it should have expired is ended here:
 * nats-server 2.9 at times sends no timeout status for an expired pull request, and the client
 * then waits for two missed heartbeats (1 s) before pulling again, while new lines wait in the
 * stream (bench/web: p99 lag 850 ms, max 1.1 s, with 200 watchers; 75 ms without those stalls).
 * Stopping a fetch drops what it had buffered but not yet handed over (a busy controller can be
 * that far behind), so the watch then starts a new consumer after the last sequence it sent.
 */
const FETCH_LATE_MS = 100;

/** What the watch has sent so far: enough to start over on a new consumer without gap or repeat. */
interface WatchProgress {
  /** Stream sequence of the last item sent (or skipped as garbage). */
  after: number;
  finishedSeen: Set<number>;
  idleAfterFinish: number;
  /** Reads in a row that found no build record (one miss is not taken for a removal). */
  missingReads: number;
}

/**
 * The watch rides out NATS restarts and leader changes itself: its consumer (an ordered,
 * ephemeral one, which a restarted server has forgotten) is made again from the last sequence
 * sent. Only an outage longer than the controller's `busOutageMs` ends the call, as UNAVAILABLE,
 * which the client answers by asking again after its last sequence.
 */
export async function watchBuild(ctx: ControllerContext, request: WatchBuildRequest, out: OutputWriter, signal?: AbortSignal): Promise<void> {
  const buildId = requireBuildId(request.buildId);
  if (!(await readBuildRecord(ctx.bus.builds, buildId, ctx.log))) throw notFound(`no build ${buildId} (see kiln builds)`);
  const progress: WatchProgress = { after: request.afterSequence, finishedSeen: new Set(), idleAfterFinish: 0, missingReads: 0 };
  let outageSince: number | undefined;
  let pause = 100;
  const healthy = (): void => {
    outageSince = undefined;
    pause = 100;
  };
  for (;;) {
    if (out.cancelled || signal?.aborted) return;
    try {
      // "late": a fetch was cut short (see FETCH_LATE_MS), or the consumer missed output the stream
      // holds; a new consumer goes on after the last sequence sent, so whatever was buffered and
      // not yet sent, or never delivered, is fetched again.
      if ((await followOutput(ctx, buildId, request, out, progress, healthy, signal)) === "late") continue;
      return;
    } catch (e) {
      if (!isBusOutage(e)) throw e;
      outageSince ??= Date.now();
      const limit = ctx.settings.busOutageMs;
      if (Date.now() - outageSince >= limit) {
        throw unavailable(`the farm's NATS has been unreachable for more than ${Math.round(limit / 1000)} s while watching build ${buildId} (${reasonOf(e)}); ask again after sequence ${progress.after}`);
      }
      ctx.log.warn("build watch lost its NATS consumer; resuming after the last sequence sent", { build: buildId, after: progress.after, reason: reasonOf(e) });
      await sleep(pause, signal);
      pause = Math.min(pause * 2, 2000);
    }
  }
}

/** One consumer's worth of the watch: returns when done, throws when the bus fails under it. */
async function followOutput(
  ctx: ControllerContext,
  buildId: string,
  request: Pick<WatchBuildRequest, "follow" | "acceptTextEncodings">,
  out: OutputWriter,
  progress: WatchProgress,
  healthy: () => void,
  signal: AbortSignal | undefined,
): Promise<"done" | "late"> {
  const { bus } = ctx;
  const { follow } = request;
  const passEncoded: ReadonlySet<string> = new Set(request.acceptTextEncodings);
  const consumer = await bus.js.consumers.get(BUILD_OUTPUT_STREAM, {
    filter_subjects: buildOutputFilter(buildId),
    ...(progress.after > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: progress.after + 1 } : { deliver_policy: DeliverPolicy.All }),
  });
  try {
    const fromHolder = holderCheck(ctx, buildId);
    for (;;) {
      if (out.cancelled || signal?.aborted) return "done";
      let received = 0;
      let pending = 1;
      const fetchedAt = Date.now();
      const batch = await consumer.fetch({ max_messages: 256, expires: IDLE_FETCH_MS });
      // With the connection down, a fetch neither delivers nor expires: notice that ourselves.
      // The watchdog is only armed while waiting on the bus, not while a slow client drains.
      let stalled = false;
      let watchdog: NodeJS.Timeout | undefined;
      // Armed once the fetch delivered (the bus answers): an expiry that never comes is not an outage.
      let late: NodeJS.Timeout | undefined;
      let cutShort = false;
      const arm = (): void => {
        watchdog = setTimeout(() => {
          stalled = true;
          batch.stop();
        }, IDLE_FETCH_MS + FETCH_STALL_MS);
      };
      arm();
      try {
        for await (const msg of batch) {
          clearTimeout(watchdog);
          late ??= setTimeout(() => {
            cutShort = true;
            batch.stop();
          }, Math.max(0, fetchedAt + IDLE_FETCH_MS + FETCH_LATE_MS - Date.now()));
          received++;
          pending = msg.info.pending;
          if (msg.seq > progress.after) {
            // (At or before it: already sent before the consumer was made again.)
            let item = toOutput(msg, ctx, passEncoded);
            // Output an agent published for a job it did not hold then is dropped (forged or stale).
            if (item !== undefined && !(await fromHolder(msg.subject, item))) item = undefined;
            progress.after = msg.seq;
            if (item !== undefined) {
              if (item.event?.kind === "finished") progress.finishedSeen.add(item.event.jobIndex);
              if (!out.write(item)) await new Promise<void>((resolve) => out.once("drain", resolve));
              if (out.cancelled) return "done";
            }
          }
          arm();
        }
      } finally {
        clearTimeout(watchdog);
        clearTimeout(late);
      }
      if (stalled) throw new BusStalledError(`no answer to a fetch from ${BUILD_OUTPUT_STREAM} within ${(IDLE_FETCH_MS + FETCH_STALL_MS) / 1000} s`);
      healthy();
      if (cutShort) return "late";
      const drained = received === 0 || pending === 0;
      if (!drained) continue;
      if (!follow) return "done";
      const build = await readBuild(bus.builds, buildId, ctx.log);
      if (!build) {
        // Removed (expired) under us: nothing more will come. Asked twice, a fetch apart: the
        // record was there when the watch began, and a cluster settling after a node came back
        // once answered "no such build" for a build that was running.
        if (++progress.missingReads >= 2) return "done";
        continue;
      }
      progress.missingReads = 0;
      if (!allJobsFinished(build.record, build.jobs)) {
        progress.idleAfterFinish = 0;
        continue;
      }
      // Agents record a job finished and then publish its job-finished event: wait for those, or
      // (resuming past them, or a lost agent) for two quiet fetches.
      if (build.jobs.every((j) => progress.finishedSeen.has(j.jobIndex))) return "done";
      if (received === 0 && ++progress.idleAfterFinish >= 2) {
        // Quiet may also mean a consumer that delivers nothing (placed on a NATS node still
        // catching up after a restart): the stream's leader says whether output past the last
        // item sent exists; if it does, a new consumer fetches it.
        const missed = await outputAfter(ctx, buildId, progress.after);
        if (missed === undefined) return "done";
        ctx.log.warn("build watch: its consumer delivered nothing while the stream holds more; fetching again", { build: buildId, after: progress.after, next: missed });
        progress.idleAfterFinish = 0;
        return "late";
      }
    }
  } finally {
    // Not awaited: with the bus down this would wait for its timeout, and the server removes an
    // idle ordered consumer by itself.
    consumer.delete().catch(() => undefined);
  }
}

/** Stream sequence of the build's first output item after `after`, read from the stream leader; undefined when there is none. */
async function outputAfter(ctx: ControllerContext, buildId: string, after: number): Promise<number | undefined> {
  // STREAM.MSG.GET answers next_by_subj (wildcards too) since nats-server 2.9; the client library
  // types it for direct gets only, which a follower may answer from a lagging copy.
  const request: NextMsgRequest = { next_by_subj: buildOutputFilter(buildId), seq: after + 1 };
  const next = await ctx.bus.jsm.streams.getMessage(BUILD_OUTPUT_STREAM, request as unknown as MsgRequest);
  return next?.seq;
}

/**
 * Whether an output item may be passed on: the controller's own always; an agent's (its name is in
 * the subject, which its NATS user cannot forge) only for a job that agent held. Anything else is
 * an agent writing into a build it does not run: logged and dropped.
 */
function holderCheck(ctx: ControllerContext, buildId: string): (subject: string, item: BuildOutput) => Promise<boolean> {
  const records = new Map<number, Pick<JobRecord, "heldBy">>();
  return async (subject, item) => {
    const agent = outputPublisher(subject);
    if (agent === undefined) return true;
    const jobIndex = item.log?.jobIndex ?? item.event?.jobIndex ?? item.machine?.jobIndex ?? -1;
    const known = records.get(jobIndex);
    if (known && holderAt(known, item.sequence) === agent) return true;
    // Not known yet, or the job changed hands since we last looked: read the record again.
    const job = await readJobRecord(ctx.bus.builds, buildId, jobIndex, ctx.log);
    const record = job?.record ?? {};
    records.set(jobIndex, record);
    if (holderAt(record, item.sequence) === agent) return true;
    ctx.log.warn("dropping build output from an agent that did not hold the job then", { build: buildId, job: jobIndex, agent, subject, sequence: item.sequence });
    return false;
  };
}

/**
 * One stream message as the API's BuildOutput; garbage is logged and skipped. Compressed log text
 * goes on as it is stored to a client that decompresses that encoding (`passEncoded`): the
 * controller then copies less than half the bytes and decodes none (bench/farm's log data plane).
 */
function toOutput(msg: JsMsg, ctx: ControllerContext, passEncoded: ReadonlySet<string>): BuildOutput | undefined {
  const sequence = msg.seq;
  try {
    if (msg.subject.endsWith(".log")) {
      const { line, encoded } = decodeLogLineKeepingEncoding(msg.data, msg.subject, msg.headers);
      const passed = encoded && passEncoded.has(encoded.encoding) ? encoded : undefined;
      const text = encoded && !passed ? decompressLogText(encoded, msg.subject) : line.text;
      const { jobIndex, label, level } = line;
      return { sequence, time: line.time, log: { jobIndex, label, level, text, encodedText: passed?.data ?? new Uint8Array(0), textEncoding: passed?.encoding ?? "", textBytes: passed?.textBytes ?? 0 } };
    }
    if (msg.subject.endsWith(".event")) return eventToOutput(sequence, decodeBuildEvent(msg.data, msg.subject));
    ctx.log.warn("skipping build output on an unknown subject", { subject: msg.subject, sequence });
  } catch (e) {
    if (!(e instanceof BusDecodeError)) throw e;
    ctx.log.warn("skipping undecodable build output", { subject: msg.subject, sequence, reason: e.reason });
  }
  return undefined;
}

const EVENT_KINDS = { "job-queued": "queued", "job-waiting": "waiting", "job-started": "started", "job-finished": "finished" } as const;

function eventToOutput(sequence: number, e: BuildEvent): BuildOutput {
  if (e.kind === "machine") {
    return { sequence, time: e.time, machine: { jobIndex: e.jobIndex, target: e.target, type: e.type, data: e.data } };
  }
  const base = { jobIndex: e.jobIndex, name: e.name, kind: EVENT_KINDS[e.kind], state: 0, agent: "", error: "", reason: "", durationMs: 0, artifacts: [] };
  switch (e.kind) {
    case "job-queued":
      return { sequence, time: e.time, event: { ...base, state: stateToProto("queued") } };
    case "job-waiting":
      return { sequence, time: e.time, event: { ...base, state: stateToProto("queued"), reason: e.reason } };
    case "job-started":
      return { sequence, time: e.time, event: { ...base, state: stateToProto("running"), agent: e.agent } };
    case "job-finished":
      return {
        sequence,
        time: e.time,
        event: { ...base, state: stateToProto(e.state), error: e.error ?? "", durationMs: e.durationMs, artifacts: e.artifacts.map(artifactToProto) },
      };
  }
}
