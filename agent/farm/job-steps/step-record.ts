/**
 * First step: is this job still to run? A job finished by an earlier delivery or the controller
 * is dropped, a job of a cancelled build is recorded cancelled without running. Otherwise the
 * record says it runs here, and a lost earlier attempt is said in the build's output.
 */
import type { JobRecord } from "../../../shared/bus/index.js";
import { isBuildCancelled, JobRecordRefusedError, readJobRecordAtRevision, unreadQueuedRecord, updateJobRecord, type RecordAtRevision } from "../job-record.js";
import { exitWith, onBus, recordAccess, type JobContext, type JobExit, type JobStep } from "./job-step.js";

export const stepRecordRunning: JobStep<object, { running: true }> = {
  name: "record the job running",
  async run(ctx) {
    // A first delivery takes the job without reading anything (two KV round trips less per job,
    // ~20 % of an agent's CPU on null builds, bench/farm). The controller refuses the take when
    // the job was finished or dropped meanwhile, or its build was cancelled (controller/
    // agent-job-records.ts); a cancel also tells the holders of jobs taken while it dropped the
    // queued ones (controller/cancel-build.ts). A refused take then goes the way of a redelivery.
    if (ctx.attempt === 1 && !ctx.agent.shutdown.aborted) {
      try {
        return await started(ctx, unreadQueuedRecord(ctx.job), undefined);
      } catch (e) {
        if (!(e instanceof JobRecordRefusedError)) throw e;
      }
    }
    return readThenStart(ctx);
  },
  async cleanup(ctx, state) {
    if (state.running) ctx.agent.onRunning?.(-1);
  },
};

/**
 * A redelivery (or a refused first take) reads the job's record and its build's first: an earlier
 * attempt may have finished the job, or been lost, which its users are told.
 */
async function readThenStart(ctx: JobContext): Promise<{ running: true } | JobExit> {
  const { agent, job, attempt } = ctx;
  // Both reads at once: one round trip before the job starts.
  const [read, cancelled] = await onBus(() => Promise.all([readJobRecordAtRevision(agent.bus.builds, job), isBuildCancelled(agent.bus.builds, job.buildId)]));
  const record = read.record;
  if (record.state === "succeeded" || record.state === "failed" || record.state === "cancelled") {
    // Finished by an earlier delivery (its ack was lost) or by the controller (wait timeout, cancel).
    return exitWith({ kind: "already-finished", state: record.state });
  }
  if (cancelled) {
    // Hold the job first: watchers pass on an agent's output only for jobs it held.
    ctx.record = await onBus(() => updateJobRecord(recordAccess(agent), job, (r) => ({ ...r, agent: agent.agentName }), agent.busGiveUp, read));
    return exitWith({ kind: "finished", state: "cancelled", error: "The build was cancelled before this job started.", artifacts: [], durationMs: 0 });
  }
  if (agent.shutdown.aborted) return exitWith({ kind: "hand-back" });
  return started(ctx, read, lostAttempt(record, attempt));
}

/** Records the job running here (from `known`, the record as last read) and says so in its output. */
async function started(ctx: JobContext, known: RecordAtRevision, lost: string | undefined): Promise<{ running: true }> {
  const { agent, job, attempt, output } = ctx;
  const now = new Date().toISOString();
  // The record first: from it on, watchers take this agent's output as the job's (before it,
  // they would drop the line below as coming from an agent that did not hold the job).
  ctx.record = await onBus(() =>
    updateJobRecord(
      recordAccess(agent),
      job,
      (r) => ({ ...r, state: "running", agent: agent.agentName, attempts: attempt, startedAt: now, finishedAt: undefined, error: undefined }),
      agent.busGiveUp,
      known,
    ),
  );
  if (lost) {
    // Its agent died without a word (kill -9, power loss): say so between that attempt's output
    // and this one's, as a stopping agent does when it hands a job back.
    output.event({ kind: "job-waiting", jobIndex: job.jobIndex, name: job.spec.name, reason: lost, time: now });
    agent.log.warn("an earlier attempt of this job was lost; running it again", { ...ctx.fields, reason: lost });
  }
  output.event({ kind: "job-started", jobIndex: job.jobIndex, name: job.spec.name, agent: agent.agentName, attempt, time: now });
  agent.onRunning?.(1);
  agent.log.info("job started", ctx.fields);
  return { running: true };
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
