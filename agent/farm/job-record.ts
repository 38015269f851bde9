/**
 * Changes to a job's record (`job.<buildId>.<i>` in KV kiln_builds). The controller writes the
 * record when it queues the job and may touch it again (a wait timeout, a max-deliveries
 * failure), so every change is a compare-and-set on the record's revision, retried on conflict.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { KV } from "@nats-io/kv";
import { buildKey, BusDecodeError, decodeBuildRecord, decodeJobRecord, encode, jobKey, type JobMessage, type JobRecord } from "../../shared/bus/index.js";

/** `giveUp` aborted: no more retries (a stopping agent whose NATS is gone must still exit). */
export async function updateJobRecord(kv: KV, job: JobMessage, change: (record: JobRecord) => JobRecord, giveUp?: AbortSignal): Promise<JobRecord> {
  const key = jobKey(job.buildId, job.jobIndex);
  for (let tryNo = 0; ; tryNo++) {
    try {
      const entry = await kv.get(key);
      const current = entry && entry.operation === "PUT" ? decodeJobRecord(entry.value, key) : freshRecord(job);
      const next = change(current);
      if (entry && entry.operation === "PUT") await kv.update(key, encode(next), entry.revision);
      else await kv.create(key, encode(next));
      return next;
    } catch (e) {
      if (e instanceof BusDecodeError || tryNo >= 20 || giveUp?.aborted) throw e;
      // Someone else changed it between our read and write, or NATS is restarting: read again,
      // backing off to ~2 s so a server restart (tens of seconds at worst) is ridden out.
      await delay(Math.min(25 * 2 ** tryNo, 2000), undefined, { signal: giveUp }).catch(() => undefined);
    }
  }
}

/** The job's record as it is now (the controller's, or a fresh one when it is missing). */
export async function readJobRecord(kv: KV, job: JobMessage): Promise<JobRecord> {
  const key = jobKey(job.buildId, job.jobIndex);
  const entry = await kv.get(key);
  return entry && entry.operation === "PUT" ? decodeJobRecord(entry.value, key) : freshRecord(job);
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
