/**
 * Ending a job the controller gives up on (cancelled while queued, waited too long, delivered too
 * often): its record goes to a final state by compare-and-set (so an agent that took it meanwhile
 * wins), its message leaves the work queue, and watchers get a job-finished event.
 */
import { buildEventSubject, encode, JOBS_STREAM, type BuildEvent, type JobRecord, type JobState } from "../shared/bus/index.js";
import type { ControllerContext } from "./context.js";
import { TERMINAL_JOB_STATES, updateJobRecord } from "./records.js";

export interface DropJob {
  buildId: string;
  jobIndex: number;
  state: Extract<JobState, "failed" | "cancelled">;
  error?: string;
  /** Only drop the job while it is in one of these states (default: queued). */
  from?: readonly JobState[];
}

/** Returns the final record, or undefined when the job had moved on (then nothing changed). */
export async function dropJob(ctx: ControllerContext, d: DropJob): Promise<JobRecord | undefined> {
  const from = d.from ?? ["queued"];
  const finishedAt = new Date().toISOString();
  const done = await updateJobRecord(ctx.bus.builds, d.buildId, d.jobIndex, (r) =>
    from.includes(r.state) && !TERMINAL_JOB_STATES.has(r.state) ? { ...r, state: d.state, error: d.error, finishedAt } : undefined,
  );
  if (!done) return undefined;
  if (done.queueSequence !== undefined) {
    // Already gone when an agent acked it or another controller dropped it first: fine.
    await ctx.bus.jsm.streams.deleteMessage(JOBS_STREAM, done.queueSequence).catch(() => false);
  }
  const event: BuildEvent = {
    kind: "job-finished",
    jobIndex: d.jobIndex,
    name: done.name,
    state: d.state,
    ...(d.error !== undefined ? { error: d.error } : {}),
    durationMs: done.startedAt ? Date.now() - Date.parse(done.startedAt) : 0,
    artifacts: [],
    time: finishedAt,
  };
  await ctx.bus.js.publish(buildEventSubject(d.buildId), encode(event));
  ctx.log.info(`job ${d.state}`, { build: d.buildId, job: d.jobIndex, name: done.name, reason: d.error });
  return done;
}
