/**
 * Job record writes that agents ask for (`kiln.agent.<name>.job-record`). Agents may read the
 * builds bucket but not write it: NATS permissions cannot limit a KV put to "the records of the
 * jobs you hold", so the controller writes for them after checking that the asking agent (named
 * by the subject, which its NATS user cannot forge) holds the job.
 */
import { errorMessage } from "../shared/error-message.js";
import type { Msg, Subscription } from "@nats-io/transport-node";
import {
  AGENT_JOB_RECORD_SUBJECTS,
  BUILD_OUTPUT_STREAM,
  BusDecodeError,
  isWrongRevision,
  CONTROLLERS_QUEUE,
  decodeJobRecordWrite,
  encode,
  jobKey,
  type JobRecord,
  type JobRecordWrite,
  type JobRecordWriteReply,
} from "../shared/bus/index.js";
import type { ControllerContext } from "./context.js";
import type { BuildIndex } from "./build-index.js";
import { jobRecordWrites, readBuildRecord, readJobRecord, TERMINAL_JOB_STATES } from "./records.js";

export interface AgentJobRecordService {
  stop(): Promise<void>;
}

/**
 * The parts of the controller this service needs (agent tests run it without the rest). With the
 * build index, a write naming the revision the index holds goes without reading the record first.
 */
export type AgentJobRecordContext = Pick<ControllerContext, "bus" | "log"> & { index?: Pick<BuildIndex, "storedJob" | "noteJobWritten" | "buildCancelled"> };

export function serveAgentJobRecords(ctx: AgentJobRecordContext): AgentJobRecordService {
  const sub: Subscription = ctx.bus.nc.subscribe(AGENT_JOB_RECORD_SUBJECTS, {
    queue: CONTROLLERS_QUEUE,
    callback: (err, msg) => {
      if (err) {
        ctx.log.warn("agent job record subscription failed", { error: err.message });
        return;
      }
      void answer(ctx, msg);
    },
  });
  return {
    async stop() {
      if (!sub.isClosed()) sub.unsubscribe();
    },
  };
}

async function answer(ctx: AgentJobRecordContext, msg: Msg): Promise<void> {
  const agent = msg.subject.split(".")[2] ?? "";
  let reply: JobRecordWriteReply;
  try {
    reply = await writeForAgent(ctx, agent, msg);
  } catch (e) {
    // NATS trouble: say nothing, the agent's request times out and it asks again.
    ctx.log.warn("could not write a job record for an agent", { agent, error: errorMessage(e) });
    return;
  }
  if (reply.outcome === "refused") ctx.log.warn("refused an agent's job record write", { agent, reason: reply.reason });
  msg.respond(encode(reply));
}

async function writeForAgent(ctx: AgentJobRecordContext, agent: string, msg: Msg): Promise<JobRecordWriteReply> {
  let request;
  try {
    request = decodeJobRecordWrite(msg.data, msg.subject);
  } catch (e) {
    if (e instanceof BusDecodeError) return { outcome: "refused", reason: e.message };
    throw e;
  }
  const { buildId, jobIndex } = request.record;
  let key: string;
  try {
    key = jobKey(buildId, jobIndex);
  } catch (e) {
    return { outcome: "refused", reason: errorMessage(e) };
  }
  return jobRecordWrites.run(key, () => writeRecordForAgent(ctx, agent, key, request));
}

/** The checks and the compare-and-set of one agent's write, with no other write of this controller to the record in flight. */
async function writeRecordForAgent(ctx: AgentJobRecordContext, agent: string, key: string, request: JobRecordWrite): Promise<JobRecordWriteReply> {
  const { buildId, jobIndex } = request.record;
  // An agent names the revision it read or wrote, nearly always the one the index holds (the
  // controller wrote it, or its watch brought it): a KV read less on each of a job's two writes.
  const indexed = ctx.index?.storedJob(buildId, jobIndex);
  // The index may also be newer than what the agent read (see stillDecidedRight); the
  // compare-and-set below says whether it is current.
  const current = indexed && indexed.revision >= request.revision ? indexed : await readJobRecord(ctx.bus.builds, buildId, jobIndex, ctx.log);
  if (current && current.revision !== request.revision && !stillDecidedRight(agent, current.record, request.record)) return { outcome: "conflict" };
  if (!current) {
    if (request.revision !== 0) return { outcome: "conflict" };
    const build = await readBuildRecord(ctx.bus.builds, buildId, ctx.log);
    if (!build || jobIndex < 0 || jobIndex >= build.record.jobCount) return { outcome: "refused", reason: `${key}: no such job` };
  }
  // Taking the job: from here on (the output stream's last sequence) its output is this agent's.
  // On a job's first take nobody has published output for it yet (an agent publishes only once
  // this write holds the job), so 0 says the same without a stream-info round trip per job.
  const heldBefore = current?.record.heldBy ?? [];
  const takes = heldBefore.at(-1)?.agent !== agent && request.record.agent === agent;
  const outputSequence = takes && heldBefore.length > 0 ? (await ctx.bus.jsm.streams.info(BUILD_OUTPUT_STREAM)).state.last_seq : 0;
  // An agent takes a job's first delivery without reading its build's record (agent/farm/job-steps/
  // step-record.ts): a job of a cancelled build is not started. The refused agent then reads, and
  // records the job cancelled itself.
  if (request.record.state === "running" && current?.record.state === "queued" && (await buildCancelled(ctx, buildId))) {
    return { outcome: "refused", reason: `${key}: the build was cancelled` };
  }
  const checked = checkAgentJobRecordWrite(agent, current?.record, request.record, outputSequence);
  if ("refused" in checked) return { outcome: "refused", reason: `${key}: ${checked.refused}` };
  try {
    const revision = current
      ? await ctx.bus.builds.update(key, encode(checked.record), current.revision)
      : await ctx.bus.builds.create(key, encode(checked.record));
    ctx.index?.noteJobWritten(buildId, jobIndex, checked.record, revision);
    return { outcome: "written", revision };
  } catch (e) {
    // Also what KV create says when the record appeared meanwhile (JetStream's wrong-last-sequence).
    if (isWrongRevision(e)) return { outcome: "conflict" };
    throw e;
  }
}

/** From the index when it has the build's record (nearly always: it is written before its jobs are queued), else read. */
async function buildCancelled(ctx: AgentJobRecordContext, buildId: string): Promise<boolean> {
  return ctx.index?.buildCancelled(buildId) ?? (await readBuildRecord(ctx.bus.builds, buildId, ctx.log))?.record.cancelRequested ?? false;
}

/**
 * A write naming an older revision than the record's, whose decision holds against the record as
 * it is now, is written on the current revision instead of sending the agent back to read it and
 * ask again. The record moves on under an agent nearly always by the controller adding the job's
 * queue sequence just after publishing it: an idle agent has pulled the job by then, and either
 * its take or its finish named the revision before (~30% of jobs at 20 agents, bench/farm). Two
 * decisions hold: taking a job that is still queued and unheld, and the holder's own next write
 * while it still holds the job in the same attempt (nobody else writes a held job's fields but the
 * controller's own, which come from the current record either way: checkAgentJobRecordWrite). A
 * job failed, cancelled or taken by another agent meanwhile is a conflict as before.
 */
function stillDecidedRight(agent: string, current: JobRecord, proposed: JobRecord): boolean {
  if (proposed.agent !== agent) return false;
  const takesQueued = current.state === "queued" && current.agent === undefined && proposed.state === "running" && proposed.attempts > current.attempts;
  const holderGoesOn = current.state === "running" && current.agent === agent && proposed.attempts === current.attempts;
  return takesQueued || holderGoesOn;
}

/**
 * What an agent may write to a job record: only as the job's holder (the agent that runs it), or
 * to take the job over as a later delivery attempt (JetStream redelivers a job whose holder
 * stopped acking it, maybe killed: its presence can outlive the ack wait, so it is no proof of
 * life). Never a finished job, never another agent's name, never the fields the controller owns.
 */
export function checkAgentJobRecordWrite(
  agent: string,
  current: JobRecord | undefined,
  proposed: JobRecord,
  outputSequence: number,
): { record: JobRecord } | { refused: string } {
  const heldBy = [...(current?.heldBy ?? [])];
  if (proposed.agent === agent && heldBy.at(-1)?.agent !== agent) heldBy.push({ agent, afterSequence: outputSequence });
  if (proposed.agent !== undefined && proposed.agent !== agent) return { refused: `agent ${agent} may not record the job as run by ${proposed.agent}` };
  if (!current) return { record: { ...proposed, heldBy } };
  if (TERMINAL_JOB_STATES.has(current.state)) return { refused: `the job is already ${current.state}` };
  const holder = current.state === "running" ? current.agent : undefined;
  const takesOver = proposed.state === "running" && proposed.attempts > current.attempts;
  if (holder !== undefined && holder !== agent && !takesOver) {
    return { refused: `the job is held by agent ${holder} (attempt ${current.attempts}), not by ${agent}` };
  }
  // An agent writes only its own fields (AGENT_JOB_FIELDS); every other one stays as the
  // controller wrote it (labels, fingerprint, queue sequence…, whatever the agent sent: a first
  // take sends a record it never read), and heldBy only grows.
  const record: JobRecord = { ...current, heldBy };
  for (const field of AGENT_JOB_FIELDS) {
    if (proposed[field] === undefined) delete record[field];
    else Object.assign(record, { [field]: proposed[field] });
  }
  return { record };
}

/** The fields of a job record its agent writes: how its run goes. */
const AGENT_JOB_FIELDS = ["state", "agent", "attempts", "startedAt", "finishedAt", "error", "artifacts"] as const satisfies readonly (keyof JobRecord)[];
