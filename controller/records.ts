/**
 * Build and job records in KV `kiln_builds`, read and changed safely: every change is a
 * compare-and-set on the entry's revision, so several controllers (and the agents) never
 * overwrite each other's newer state.
 */
import type { KV } from "@nats-io/kv";
import {
  buildKey,
  BusDecodeError,
  decodeBuildRecord,
  decodeJobRecord,
  encode,
  jobKey,
  type BuildRecord,
  type JobRecord,
  type JobState,
} from "../shared/bus/index.js";
import { invalidArgument } from "./errors.js";
import type { OperatorLog } from "../shared/operator-log.js";

export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set(["succeeded", "failed", "cancelled"]);

export interface StoredBuild {
  record: BuildRecord;
  revision: number;
  /** Index → record; a job whose record is missing or undecodable is absent. */
  jobs: JobRecord[];
}

export async function readBuildRecord(kv: KV, buildId: string, log?: OperatorLog): Promise<{ record: BuildRecord; revision: number } | undefined> {
  const entry = await kv.get(buildKey(buildId));
  if (!entry || entry.operation !== "PUT") return undefined;
  try {
    return { record: decodeBuildRecord(entry.value, entry.key), revision: entry.revision };
  } catch (e) {
    if (!(e instanceof BusDecodeError)) throw e;
    log?.warn("ignoring an undecodable build record", { key: entry.key, reason: e.reason });
    return undefined;
  }
}

export async function readJobRecord(kv: KV, buildId: string, jobIndex: number, log?: OperatorLog): Promise<{ record: JobRecord; revision: number } | undefined> {
  const entry = await kv.get(jobKey(buildId, jobIndex));
  if (!entry || entry.operation !== "PUT") return undefined;
  try {
    return { record: decodeJobRecord(entry.value, entry.key), revision: entry.revision };
  } catch (e) {
    if (!(e instanceof BusDecodeError)) throw e;
    log?.warn("ignoring an undecodable job record", { key: entry.key, reason: e.reason });
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
export async function listBuildIds(kv: KV): Promise<string[]> {
  const ids: string[] = [];
  for await (const key of await kv.keys("build.*")) ids.push(key.slice("build.".length));
  return ids;
}

/**
 * Applies `change` to the job's record with compare-and-set, re-reading and retrying when someone
 * else changed it first. `change` returns undefined to leave the record alone (e.g. it is already
 * finished). Returns the record written, or undefined when nothing was written.
 */
export async function updateJobRecord(
  kv: KV,
  buildId: string,
  jobIndex: number,
  change: (current: JobRecord) => JobRecord | undefined,
): Promise<JobRecord | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await readJobRecord(kv, buildId, jobIndex);
    if (!current) return undefined;
    const next = change(current.record);
    if (!next) return undefined;
    try {
      await kv.update(jobKey(buildId, jobIndex), encode(next), current.revision);
      return next;
    } catch (e) {
      if (!isWrongRevision(e)) throw e;
    }
  }
  throw new Error(`job record ${jobKey(buildId, jobIndex)} kept changing under the controller; gave up after 10 attempts`);
}

export async function updateBuildRecord(kv: KV, buildId: string, change: (current: BuildRecord) => BuildRecord | undefined): Promise<BuildRecord | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await readBuildRecord(kv, buildId);
    if (!current) return undefined;
    const next = change(current.record);
    if (!next) return current.record;
    try {
      await kv.update(buildKey(buildId), encode(next), current.revision);
      return next;
    } catch (e) {
      if (!isWrongRevision(e)) throw e;
    }
  }
  throw new Error(`build record ${buildKey(buildId)} kept changing under the controller; gave up after 10 attempts`);
}

export function isWrongRevision(e: unknown): boolean {
  return e instanceof Error && /wrong last sequence|wrong last msg|10071/i.test(`${e.message} ${String((e as { code?: unknown }).code ?? "")}`);
}

/** A build id from a request: non-empty and a NATS subject token, or INVALID_ARGUMENT. */
export function requireBuildId(id: string): string {
  if (id === "") throw invalidArgument("build_id is empty: give the id SubmitBuild returned (see kiln builds)");
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw invalidArgument(`"${id}" is not a build id (see kiln builds)`);
  return id;
}
