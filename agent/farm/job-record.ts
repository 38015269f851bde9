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
  BusDecodeError,
  decodeBuildRecord,
  decodeJobRecord,
  decodeJobRecordWriteReply,
  encode,
  jobKey,
  type JobMessage,
  type JobRecord,
  type JobRecordWrite,
} from "../../shared/bus/index.js";

/** How long one write request may wait for a controller's answer before it is asked again. */
const WRITE_REQUEST_TIMEOUT_MS = 5_000;

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

export async function updateJobRecord(access: JobRecordAccess, job: JobMessage, change: (record: JobRecord) => JobRecord): Promise<JobRecord> {
  const key = jobKey(job.buildId, job.jobIndex);
  for (let tryNo = 0; ; tryNo++) {
    try {
      const entry = await access.kv.get(key);
      const exists = entry !== null && entry.operation === "PUT";
      const current = exists ? decodeJobRecord(entry.value, key) : freshRecord(job);
      const next = change(current);
      if (await askController(access, { revision: exists ? entry.revision : 0, record: next })) return next;
    } catch (e) {
      if (e instanceof BusDecodeError || e instanceof JobRecordRefusedError || tryNo >= 20) throw e;
    }
    // Someone else changed it between our read and write, no controller answered, or NATS is
    // restarting: read again, backing off to ~2 s so a restart (tens of seconds at worst) is ridden out.
    await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** tryNo, 2000)));
  }
}

/** True when written, false on a conflict (read again); throws when refused or on NATS trouble. */
async function askController(access: JobRecordAccess, write: JobRecordWrite): Promise<boolean> {
  const subject = agentJobRecordSubject(access.agentName);
  const msg = await access.nc.request(subject, encode(write), { timeout: WRITE_REQUEST_TIMEOUT_MS });
  const reply = decodeJobRecordWriteReply(msg.data, subject);
  if (reply.outcome === "refused") throw new JobRecordRefusedError(`the controller refused to record ${jobKey(write.record.buildId, write.record.jobIndex)}: ${reply.reason}`);
  return reply.outcome === "written";
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
