/**
 * The one exit of a job: however it ended (JobExitKind), its record, its last event and its
 * message are settled here, and nowhere else — acked, handed back, retried, or terminated and
 * dead-lettered. Every path ends the message one way or another, so none jams a consumer.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { JsMsg } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { z } from "zod";
import {
  agentEventSubject,
  DEAD_LETTER_SUBJECT,
  decodeJobRecord,
  encode,
  jobKey,
  SUBJECT_TOKEN_PATTERN,
  type BuildEvent,
} from "../../../shared/bus/index.js";
import { JobRecordRefusedError, updateJobRecord } from "../job-record.js";
import { onBus, recordAccess, type JobContext, type JobExitKind, type JobRunnerContext } from "./job-step.js";

export type JobResult = "garbage" | "skipped" | "succeeded" | "failed" | "cancelled" | "requeued";

export async function finishJob(ctx: JobContext, exit: JobExitKind): Promise<JobResult> {
  const { agent, msg, job, fields } = ctx;
  switch (exit.kind) {
    case "finished": {
      const time = new Date().toISOString();
      const { state, error, artifacts, durationMs } = exit;
      // Output first, record last: whoever sees the record finished finds all of the output stored.
      ctx.output.event({ kind: "job-finished", jobIndex: job.jobIndex, name: job.spec.name, state, error, durationMs, artifacts, time });
      try {
        await ctx.output.flush();
        ctx.record = await onBus(() => updateJobRecord(recordAccess(agent), job, (r) => ({ ...r, state, finishedAt: time, error, artifacts }), agent.busGiveUp, ctx.record));
      } catch (e) {
        if (e instanceof JobRecordRefusedError) return finishJob(ctx, { kind: "refused", error: e.message });
        return finishJob(ctx, { kind: "retry", error: `recording the outcome: ${errorMessage(e)}` });
      }
      // A plain ack, not a round trip: were it lost, the redelivery finds the record finished and is dropped.
      ackQuietly(msg);
      agent.log.info(`job ${state}`, { ...fields, error, durationMs: Math.round(durationMs) });
      return state;
    }
    case "already-finished":
      agent.log.info("job already finished; dropping the redelivered message", { ...fields, state: exit.state });
      ackQuietly(msg);
      return "skipped";
    case "hand-back":
      await handBack(ctx);
      msg.nak();
      agent.log.info("agent stopping: job handed back for another agent", fields);
      return "requeued";
    case "retry":
      // The bus failed us: JetStream redelivers; after the last delivery the controller fails the
      // job with the reason (MAX_DELIVERIES advisory).
      agent.log.error("job could not be processed; it will be redelivered", { ...fields, error: exit.error });
      msg.nak(1000);
      return "failed";
    case "refused":
      agent.log.warn("the controller refused this agent's record of the job; dropping it", { ...fields, error: exit.error });
      msg.term();
      return "skipped";
    case "fault": {
      // Running it again would fail again: the job fails for good, with the reason, and its
      // message goes to the dead letters.
      agent.log.error("job failed by a fault of the agent; dead-lettered", { ...fields, error: exit.error });
      await updateJobRecord(recordAccess(agent), job, (r) => ({ ...r, state: "failed", finishedAt: new Date().toISOString(), error: exit.error }), agent.busGiveUp).catch(
        (e: unknown) => agent.log.error("could not record the failed job", { ...fields, error: errorMessage(e) }),
      );
      deadLetter(agent, msg, exit.error);
      return "failed";
    }
  }
}

/** An ack on a closed connection throws; the job's redelivery is then dropped as already finished. */
function ackQuietly(msg: JsMsg): void {
  try {
    msg.ack();
  } catch {
    // nothing to do: see above
  }
}

/** The agent is stopping: the job goes back to queued so the next agent's record starts clean. */
async function handBack(ctx: JobContext): Promise<void> {
  const { agent, job, attempt } = ctx;
  const reason = `agent ${agent.agentName} stopped during attempt ${attempt}; the job goes back to the queue`;
  await updateJobRecord(recordAccess(agent), job, (r) => ({ ...r, state: "queued", agent: undefined, startedAt: undefined, error: undefined }), agent.busGiveUp, ctx.record).catch(
    (e: unknown) => agent.log.error("could not record the handed-back job", { ...ctx.fields, error: errorMessage(e) }),
  );
  ctx.output.event({ kind: "job-waiting", jobIndex: job.jobIndex, name: job.spec.name, reason, time: new Date().toISOString() });
}

/** The part of a refused message that may still name its job: only when both are safe to use. */
const jobIdentity = z.object({ buildId: z.string().regex(SUBJECT_TOKEN_PATTERN), jobIndex: z.number().int().nonnegative() });

/**
 * A message the schema refused: dead-lettered and terminated. When it still names a job whose
 * record exists and is unfinished, that job fails with the reason (record and job-finished
 * event), so nobody waits for it forever. Best effort, one try: the dead letter is the sure part.
 */
export async function refuseJob(agent: JobRunnerContext, msg: JsMsg, reason: string): Promise<void> {
  deadLetter(agent, msg, reason);
  let identity: z.infer<typeof jobIdentity>;
  try {
    const parsed = jobIdentity.safeParse(JSON.parse(new TextDecoder().decode(msg.data)));
    if (!parsed.success) return;
    identity = parsed.data;
  } catch {
    return;
  }
  const key = jobKey(identity.buildId, identity.jobIndex);
  const error = `the job message was refused: ${reason}`;
  try {
    const entry = await agent.bus.builds.get(key);
    if (!entry || entry.operation !== "PUT") return;
    const record = decodeJobRecord(entry.value, key);
    if (record.state === "succeeded" || record.state === "failed" || record.state === "cancelled") return;
    // An agent writes records through the controller and publishes output only under its own name,
    // which watchers pass on for jobs it held: hold the job, say it failed, then record it failed.
    const access = recordAccess(agent);
    const held = await updateJobRecord(access, record, (r) => ({ ...r, agent: agent.agentName }), agent.busGiveUp, { record, revision: entry.revision });
    const time = new Date().toISOString();
    const finished: BuildEvent = { kind: "job-finished", jobIndex: record.jobIndex, name: record.name, state: "failed", error, durationMs: 0, artifacts: [], time };
    await agent.bus.js.publish(agentEventSubject(record.buildId, agent.agentName), encode(finished));
    await updateJobRecord(access, record, (r) => ({ ...r, state: "failed", finishedAt: time, error }), agent.busGiveUp, held);
  } catch (e) {
    agent.log.warn("could not record the refused job failed", { build: identity.buildId, job: identity.jobIndex, error: errorMessage(e) });
  }
}

/** A job that cannot be processed is republished for operators with the reason, then terminated so it is never redelivered. */
export function deadLetter(agent: JobRunnerContext, msg: JsMsg, reason: string): void {
  agent.log.warn("job message dead-lettered", { subject: msg.subject, seq: msg.seq, reason, to: DEAD_LETTER_SUBJECT });
  const h = headers();
  h.set("Kiln-Reason", reason);
  h.set("Kiln-Subject", msg.subject);
  h.set("Kiln-Agent", agent.agentName);
  try {
    agent.bus.nc.publish(DEAD_LETTER_SUBJECT, msg.data, { headers: h });
  } catch (e) {
    agent.log.error("could not dead-letter a message", { error: errorMessage(e) });
  }
  msg.term();
}

