/**
 * Changes to a job's record (`job.<buildId>.<i>` in KV kiln_builds). The controller writes the
 * record when it queues the job and may touch it again (a wait timeout, a max-deliveries
 * failure), so every change is a compare-and-set on the record's revision, retried on conflict.
 * The agent reads the bucket itself but writes through the controller
 * (`kiln.agent.<name>.job-record`), which checks that this agent holds the job: an agent's NATS
 * user may not write records at all.
 */
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  agentJobRecordSubject,
  buildKey,
  decodeBuildRecord,
  decodeJobRecord,
  decodeJobRecordWriteReply,
  encode,
  jobKey,
  readRecord,
  retryOnOutage,
  type JobMessage,
  type JobRecord,
  type JobRecordWrite,
} from "../../shared/bus/index.js";

/** How long one write request may wait for a controller's answer before it is asked again. */
const WRITE_REQUEST_TIMEOUT_MS = 5_000;

/** A job's record with the KV revision it was read or written at (0: there is none yet). */
export interface RecordAtRevision {
  record: JobRecord;
  revision: number;
}

/** Where an agent's record changes go: read from KV, written by a controller on its behalf. */
export interface JobRecordAccess {
  kv: KV;
  nc: NatsConnection;
  agentName: string;
}

/** A controller refused the write (the job is finished, or held by another agent): asking again will not help. */
export class JobRecordRefusedError extends Error {
  override readonly name = "JobRecordRefusedError";
}

/** Someone changed the record between our read and the controller's write: read again. */
class LostRaceError extends Error {
  override readonly name = "LostRaceError";
}

/**
 * A compare-and-set on the job's record, written by a controller for this agent. Retried on a
 * lost race and through a NATS or controller restart (no responders, timeouts) until `giveUp`
 * fires; a missing record is created from the job message. `known` is the record as this agent
 * last read or wrote it: the first try goes straight to it without reading again (a job's record
 * changes under its agent only on a cancel, a wait timeout or a lost-job sweep; then the revision
 * is wrong, and it reads and retries) — a KV round trip less on each of the two writes of a job.
 */
export async function updateJobRecord(
  access: JobRecordAccess,
  job: JobSource,
  change: (record: JobRecord) => JobRecord,
  giveUp?: AbortSignal,
  known?: RecordAtRevision,
): Promise<RecordAtRevision> {
  let cached = known;
  return retryOnOutage(
    async () => {
      const current = cached ?? (await readJobRecordAtRevision(access.kv, job));
      cached = undefined; // a second try reads afresh
      const next = change(current.record);
      const revision = await askController(access, { revision: current.revision, record: next });
      return { record: next, revision };
    },
    {
      what: `update job record ${jobKey(job.buildId, job.jobIndex)}`,
      signal: giveUp,
      firstPauseMs: 25,
      retryAlso: (e) => e instanceof LostRaceError,
    },
  );
}

/** The new revision when written; throws LostRaceError on a conflict, JobRecordRefusedError when refused. */
async function askController(access: JobRecordAccess, write: JobRecordWrite): Promise<number> {
  const subject = agentJobRecordSubject(access.agentName);
  const msg = await access.nc.request(subject, encode(write), { timeout: WRITE_REQUEST_TIMEOUT_MS });
  const reply = decodeJobRecordWriteReply(msg.data, subject);
  if (reply.outcome === "refused") throw new JobRecordRefusedError(`the controller refused to record ${jobKey(write.record.buildId, write.record.jobIndex)}: ${reply.reason}`);
  if (reply.outcome === "conflict") throw new LostRaceError("the job record changed meanwhile");
  return reply.revision;
}

/** The job's record as it is now (the controller's, or a fresh one when it is missing). */
export async function readJobRecord(kv: KV, job: JobMessage): Promise<JobRecord> {
  return (await readJobRecordAtRevision(kv, job)).record;
}

/**
 * The record a job's first delivery may take without reading it: the controller's "queued" one as
 * the job message describes it, at revision 0 ("not read"). The controller keeps its own fields
 * whatever an agent sends and writes a take of a queued, unheld job on the current revision
 * (controller/agent-job-records.ts, stillDecidedRight); a job dropped meanwhile (cancelled, timed
 * out) is refused.
 */
export function unreadQueuedRecord(job: JobMessage): RecordAtRevision {
  return { record: freshRecord(job), revision: 0 };
}

/** The job's record with its revision (0 and a fresh record when it is missing). */
export async function readJobRecordAtRevision(kv: KV, job: JobSource): Promise<RecordAtRevision> {
  return (await readRecord(kv, jobKey(job.buildId, job.jobIndex), decodeJobRecord)) ?? { record: freshRecord(job), revision: 0 };
}

/** True when the build's record asks for cancel (a missing record means nobody asked). */
export async function isBuildCancelled(kv: KV, buildId: string): Promise<boolean> {
  const key = buildKey(buildId);
  const entry = await kv.get(key);
  if (!entry || entry.operation !== "PUT") return false;
  return decodeBuildRecord(entry.value, key).cancelRequested;
}

/**
 * What names a job for a record change: its message, or — for a message refused as garbage — the
 * record it named. Either gives what a missing record is made again from.
 */
export type JobSource = JobMessage | JobRecord;

/** The record the controller would have written, for a job whose record is missing. */
function freshRecord(job: JobSource): JobRecord {
  const fromMessage = "spec" in job;
  return {
    buildId: job.buildId,
    jobIndex: job.jobIndex,
    name: fromMessage ? job.spec.name : job.name,
    builderType: fromMessage ? job.spec.builder.type : job.builderType,
    needs: job.needs,
    state: "queued",
    attempts: 0,
    artifacts: [],
  };
}
