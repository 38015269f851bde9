/**
 * Build and job records in KV `kiln_builds` as the controller reads them (an undecodable one is
 * logged and skipped) and changes them, through the farm's one records module (shared/bus/records).
 */
import type { KV } from "@nats-io/kv";
import {
  buildKey,
  BUILDS_BUCKET,
  listKeys,
  type Bus,
  BusDecodeError,
  changeRecord,
  decodeBuildRecord,
  decodeJobRecord,
  jobKey,
  readRecord,
  type RecordDecoder,
  type StoredRecord,
  type BuildRecord,
  type JobRecord,
  type JobState,
} from "../shared/bus/index.js";
import { invalidArgument } from "./errors.js";
import type { OperatorLog } from "../shared/operator-log.js";
import { KeyedSerializer } from "../shared/keyed-serializer.js";

/**
 * This controller's writes to one job record, one at a time (each from its read to the write's
 * ack). On a clustered stream, nats-server before 2.9.21 checks a compare-and-set's expected
 * revision before the write is agreed, not as part of it (nats-server#4320): two writes on the
 * same revision in flight together can both succeed, the later one undoing the other. A 30-minute
 * bench/soak on 3 nodes (2.9.10) lost 2 of 14,840 builds so: the submission's queue-sequence write
 * raced the agent's finish (a 6 ms build) and left the record running. Writes from several
 * controllers can still meet: such farms need nats-server 2.9.21 or later (docs/operator-guide.md).
 */
export const jobRecordWrites = new KeyedSerializer();

export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set(["succeeded", "failed", "cancelled"]);

export interface StoredBuild {
  record: BuildRecord;
  revision: number;
  /** Index → record; a job whose record is missing or undecodable is absent. */
  jobs: JobRecord[];
}

export async function readBuildRecord(kv: KV, buildId: string, log?: OperatorLog): Promise<StoredRecord<BuildRecord> | undefined> {
  return readOrSkip(kv, buildKey(buildId), decodeBuildRecord, "build", log);
}

export async function readJobRecord(kv: KV, buildId: string, jobIndex: number, log?: OperatorLog): Promise<StoredRecord<JobRecord> | undefined> {
  return readOrSkip(kv, jobKey(buildId, jobIndex), decodeJobRecord, "job", log);
}

/** An undecodable record is logged and treated as missing: one bad entry must not break listings. */
async function readOrSkip<T>(kv: KV, key: string, decode: RecordDecoder<T>, what: string, log?: OperatorLog): Promise<StoredRecord<T> | undefined> {
  try {
    return await readRecord(kv, key, decode);
  } catch (e) {
    if (!(e instanceof BusDecodeError)) throw e;
    log?.warn(`ignoring an undecodable ${what} record`, { key, reason: e.reason });
    return undefined;
  }
}

export async function readBuild(kv: KV, buildId: string, log?: OperatorLog): Promise<StoredBuild | undefined> {
  const build = await readBuildRecord(kv, buildId, log);
  if (!build) return undefined;
  const jobs = await Promise.all(Array.from({ length: build.record.jobCount }, (_, i) => readJobRecord(kv, buildId, i, log)));
  return { ...build, jobs: jobs.flatMap((j) => (j ? [j.record] : [])) };
}

/** Ids of every build in the bucket (from the `build.<id>` keys). */
export async function listBuildIds(bus: Pick<Bus, "jsm">): Promise<string[]> {
  return (await listKeys(bus.jsm, BUILDS_BUCKET, "build.*")).map((key) => key.slice("build.".length));
}

/**
 * Applies `change` to the job's record with compare-and-set (shared/bus/records.ts), re-reading
 * and retrying when someone else changed it first. `change` returns undefined to leave the record
 * alone (e.g. it is already finished); a missing record stays missing. Returns the record
 * written, or undefined when nothing was written.
 */
export async function updateJobRecord(
  kv: KV,
  buildId: string,
  jobIndex: number,
  change: (current: JobRecord) => JobRecord | undefined,
  signal?: AbortSignal,
  /** The record as this controller just wrote it: the compare-and-set goes straight to it (see changeRecord). */
  known?: StoredRecord<JobRecord>,
): Promise<JobRecord | undefined> {
  const key = jobKey(buildId, jobIndex);
  const result = await jobRecordWrites.run(key, () => changeRecord(kv, key, decodeJobRecord, (r) => (r === undefined ? undefined : change(r)), { signal, known }));
  return result.written;
}

/** Like updateJobRecord for the build's record; returns the record as it is afterwards (undefined: missing). */
export async function updateBuildRecord(
  kv: KV,
  buildId: string,
  change: (current: BuildRecord) => BuildRecord | undefined,
  signal?: AbortSignal,
): Promise<BuildRecord | undefined> {
  const result = await changeRecord(kv, buildKey(buildId), decodeBuildRecord, (r) => (r === undefined ? undefined : change(r)), { signal });
  return result.written ?? result.before;
}

/** A build id from a request: non-empty and a NATS subject token, or INVALID_ARGUMENT. */
export function requireBuildId(id: string): string {
  if (id === "") throw invalidArgument("build_id is empty: give the id SubmitBuild returned (see kiln builds)");
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw invalidArgument(`"${id}" is not a build id (see kiln builds)`);
  return id;
}
