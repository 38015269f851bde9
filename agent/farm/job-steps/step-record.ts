/**
 * First step: is this job still to run? A job finished by an earlier delivery or the controller
 * is dropped, a job of a cancelled build is recorded cancelled without running. Otherwise the
 * record says it runs here, and a lost earlier attempt is said in the build's output.
 */
import type { JobRecord } from "../../../shared/bus/index.js";
import { isBuildCancelled, readJobRecordAtRevision, updateJobRecord } from "../job-record.js";
import { exitWith, onBus, recordAccess, type JobStep } from "./job-step.js";

export const stepRecordRunning: JobStep<object, { running: true }> = {
  name: "record the job running",
  async run(ctx) {
    const { agent, job, attempt, output } = ctx;
    // Both reads at once: one round trip before the job starts.
    const [read, cancelled] = await onBus(() => Promise.all([readJobRecordAtRevision(agent.bus.builds, job), isBuildCancelled(agent.bus.builds, job.buildId)]));
    const record = read.record;
    if (record.state === "succeeded" || record.state === "failed" || record.state === "cancelled") {
      // Finished by an earlier delivery (its ack was lost) or by the controller (wait timeout).
      return exitWith({ kind: "already-finished", state: record.state });
    }
    if (cancelled) {
      // Hold the job first: watchers pass on an agent's output only for jobs it held.
      ctx.record = await onBus(() => updateJobRecord(recordAccess(agent), job, (r) => ({ ...r, agent: agent.agentName }), agent.busGiveUp, read));
      return exitWith({ kind: "finished", state: "cancelled", error: "The build was cancelled before this job started.", artifacts: [], durationMs: 0 });
    }
    if (agent.shutdown.aborted) return exitWith({ kind: "hand-back" });

    const now = new Date().toISOString();
    const lost = lostAttempt(record, attempt);
    // The record first: from it on, watchers take this agent's output as the job's (before it,
    // they would drop the line below as coming from an agent that did not hold the job).
    ctx.record = await onBus(() =>
      updateJobRecord(
        recordAccess(agent),
        job,
        (r) => ({ ...r, state: "running", agent: agent.agentName, attempts: attempt, startedAt: now, finishedAt: undefined, error: undefined }),
        agent.busGiveUp,
        read,
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
  },
  async cleanup(ctx, state) {
    if (state.running) ctx.agent.onRunning?.(-1);
  },
};

/**
 * A record still "running" for an earlier attempt means that attempt's agent never finished it nor
 * handed it back: JetStream redelivered the job after the ack wait. The line users see says so.
 */
function lostAttempt(record: JobRecord, attempt: number): string | undefined {
  if (record.state !== "running" || record.attempts >= attempt) return undefined;
  const where = record.agent ? ` on agent ${record.agent}` : "";
  return `attempt ${record.attempts}${where} was lost (agent stopped responding); retrying as attempt ${attempt}`;
}
