/**
 * WatchBuild: replays a build's output stream (`kiln.build.<id>.>` in KILN_BUILD_OUTPUT) from
 * after the sequence the client saw last, with each item's stream sequence, so a client that
 * reconnects resumes without gaps or duplicates. Following, it ends once every job is finished
 * and their output has been sent.
 */
import { DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import {
  BUILD_OUTPUT_STREAM,
  buildOutputFilter,
  BusDecodeError,
  decodeBuildEvent,
  decodeLogLine,
  holderAt,
  outputPublisher,
  type BuildEvent,
  type JobRecord,
} from "../shared/bus/index.js";
import type { BuildOutput, WatchBuildRequest } from "../proto/gen/kiln/v1/farm.js";
import { allJobsFinished, artifactToProto, stateToProto } from "./build-view.js";
import type { ControllerContext } from "./context.js";
import { notFound } from "./errors.js";
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

export async function watchBuild(ctx: ControllerContext, request: WatchBuildRequest, out: OutputWriter): Promise<void> {
  const { bus } = ctx;
  const filter = buildOutputFilter(requireBuildId(request.buildId));
  if (!(await readBuildRecord(bus.builds, request.buildId, ctx.log))) throw notFound(`no build ${request.buildId} (see kiln builds)`);

  const consumer = await bus.js.consumers.get(BUILD_OUTPUT_STREAM, {
    filter_subjects: filter,
    ...(request.afterSequence > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: request.afterSequence + 1 }
      : { deliver_policy: DeliverPolicy.All }),
  });
  try {
    const finishedSeen = new Set<number>();
    const fromHolder = holderCheck(ctx, request.buildId);
    let idleAfterFinish = 0;
    for (;;) {
      if (out.cancelled) return;
      let received = 0;
      let pending = 1;
      const batch = await consumer.fetch({ max_messages: 256, expires: IDLE_FETCH_MS });
      for await (const msg of batch) {
        received++;
        pending = msg.info.pending;
        const item = toOutput(msg, ctx);
        if (item === undefined || !(await fromHolder(msg.subject, item))) continue;
        if (item.event?.kind === "finished") finishedSeen.add(item.event.jobIndex);
        if (!out.write(item)) await new Promise<void>((resolve) => out.once("drain", resolve));
        if (out.cancelled) return;
      }
      const drained = received === 0 || pending === 0;
      if (!drained) continue;
      if (!request.follow) return;
      const build = await readBuild(bus.builds, request.buildId, ctx.log);
      if (!build) return; // removed (expired) under us: nothing more will come
      if (!allJobsFinished(build.record, build.jobs)) {
        idleAfterFinish = 0;
        continue;
      }
      // Agents record a job finished and then publish its job-finished event: wait for those, or
      // (resuming past them, or a lost agent) for two quiet fetches.
      const everyFinishSeen = build.jobs.every((j) => finishedSeen.has(j.jobIndex));
      if (everyFinishSeen || (received === 0 && ++idleAfterFinish >= 2)) return;
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
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

/** One stream message as the API's BuildOutput; garbage is logged and skipped. */
function toOutput(msg: JsMsg, ctx: ControllerContext): BuildOutput | undefined {
  const sequence = msg.seq;
  try {
    if (msg.subject.endsWith(".log")) {
      const line = decodeLogLine(msg.data, msg.subject);
      return { sequence, time: line.time, log: { jobIndex: line.jobIndex, label: line.label, level: line.level, text: line.text } };
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
