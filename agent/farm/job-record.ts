/**
 * Changes to a job's record (`job.<buildId>.<i>` in KV kiln_builds). The controller writes the
 * record when it queues the job and may touch it again (a wait timeout, a max-deliveries
 * failure), so every change is a compare-and-set on the record's revision, retried on conflict.
 */
import type { KV } from "@nats-io/kv";
import { buildKey, changeRecord, decodeBuildRecord, decodeJobRecord, jobKey, readRecord, type JobMessage, type JobRecord } from "../../shared/bus/index.js";

/** A job's record with the KV revision it was read or written at (0: there is none yet). */
export interface RecordAtRevision {
  record: JobRecord;
  revision: number;
}

/**
 * The farm's one compare-and-set (shared/bus/records): retried on a lost race and through a NATS
 * restart; a missing record is created from the job message. `known` is the record as this agent
 * last read or wrote it: the first compare-and-set goes straight to it without reading again (a
 * job's record changes under its agent only on a cancel, a wait timeout or a lost-job sweep; then
 * the revision is wrong, and it reads and retries) — a KV round trip less on each of the two
 * writes of every job. `giveUp` aborted: no more retries (a stopping agent whose NATS is gone must still exit).
 */
export async function updateJobRecord(
  kv: KV,
  job: JobMessage,
  change: (record: JobRecord) => JobRecord,
  giveUp?: AbortSignal,
  known?: RecordAtRevision,
): Promise<RecordAtRevision> {
  const result = await changeRecord(kv, jobKey(job.buildId, job.jobIndex), decodeJobRecord, (current) => change(current ?? freshRecord(job)), {
    signal: giveUp,
    known: known === undefined ? undefined : known.revision > 0 ? known : null,
  });
  // `change` always returns a record, so one was written.
  return { record: result.written ?? change(freshRecord(job)), revision: result.revision ?? 0 };
}

/** The job's record as it is now (the controller's, or a fresh one when it is missing). */
export async function readJobRecord(kv: KV, job: JobMessage): Promise<JobRecord> {
  return (await readJobRecordAtRevision(kv, job)).record;
}

/** The job's record with its revision (0 and a fresh record when it is missing). */
export async function readJobRecordAtRevision(kv: KV, job: JobMessage): Promise<RecordAtRevision> {
  return (await readRecord(kv, jobKey(job.buildId, job.jobIndex), decodeJobRecord)) ?? { record: freshRecord(job), revision: 0 };
}

/** True when the build's record asks for cancel (a missing record means nobody asked). */
export async function isBuildCancelled(kv: KV, buildId: string): Promise<boolean> {
  const key = buildKey(buildId);
  const entry = await kv.get(key);
  if (!entry || entry.operation !== "PUT") return false;
  return decodeBuildRecord(entry.value, key).cancelRequested;
}

/** The record the controller would have written, for a job whose record is missing. */
function freshRecord(job: JobMessage): JobRecord {
  return {
    buildId: job.buildId,
    jobIndex: job.jobIndex,
    name: job.spec.name,
    builderType: job.spec.builder.type,
    needs: job.needs,
    state: "queued",
    attempts: 0,
    artifacts: [],
  };
}
