/**
 * Changes to a job's record (`job.<buildId>.<i>` in KV kiln_builds). The controller writes the
 * record when it queues the job and may touch it again (a wait timeout, a max-deliveries
 * failure), so every change is a compare-and-set on the record's revision, retried on conflict.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { KV } from "@nats-io/kv";
import { buildKey, BusDecodeError, decodeBuildRecord, decodeJobRecord, encode, jobKey, type JobMessage, type JobRecord } from "../../shared/bus/index.js";

/** A job's record with the KV revision it was read or written at (0: there is none yet). */
export interface RecordAtRevision {
  record: JobRecord;
  revision: number;
}

/**
 * `known` is the record as this agent last read or wrote it: the first compare-and-set goes
 * straight to it, without reading again (a job's record changes under its agent only on a cancel,
 * a wait timeout or a lost-job sweep; then the revision is wrong, and it reads and retries).
 * That saves a KV round trip on each of the two writes of every job.
 * `giveUp` aborted: no more retries (a stopping agent whose NATS is gone must still exit).
 */
export async function updateJobRecord(
  kv: KV,
  job: JobMessage,
  change: (record: JobRecord) => JobRecord,
  giveUp?: AbortSignal,
  known?: RecordAtRevision,
): Promise<RecordAtRevision> {
  const key = jobKey(job.buildId, job.jobIndex);
  let current = known;
  for (let tryNo = 0; ; tryNo++) {
    try {
      current ??= await readJobRecordAtRevision(kv, job);
      const next = change(current.record);
      const revision = current.revision > 0 ? await kv.update(key, encode(next), current.revision) : await kv.create(key, encode(next));
      return { record: next, revision };
    } catch (e) {
      if (e instanceof BusDecodeError || tryNo >= 20 || giveUp?.aborted) throw e;
      current = undefined;
      // Someone else changed it between our read and write, or NATS is restarting: read again,
      // backing off to ~2 s so a server restart (tens of seconds at worst) is ridden out. A
      // conflict on a known revision is retried at once.
      if (tryNo > 0 || known === undefined) await delay(Math.min(25 * 2 ** tryNo, 2000), undefined, { signal: giveUp }).catch(() => undefined);
    }
  }
}

/** The job's record as it is now (the controller's, or a fresh one when it is missing). */
export async function readJobRecord(kv: KV, job: JobMessage): Promise<JobRecord> {
  return (await readJobRecordAtRevision(kv, job)).record;
}

/** The job's record with its revision (0 and a fresh record when it is missing). */
export async function readJobRecordAtRevision(kv: KV, job: JobMessage): Promise<RecordAtRevision> {
  const key = jobKey(job.buildId, job.jobIndex);
  const entry = await kv.get(key);
  return entry && entry.operation === "PUT" ? { record: decodeJobRecord(entry.value, key), revision: entry.revision } : { record: freshRecord(job), revision: 0 };
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
