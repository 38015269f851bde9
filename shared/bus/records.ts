/**
 * Records in KV (`kiln_builds`: build and job records) read and changed the one way every farm
 * process uses: a compare-and-set on the entry's revision, retried when someone else wrote first
 * (recognised by JetStream's error code, not its text) and when the bus is down or restarting
 * (retryOnOutage: backoff, a deadline, an AbortSignal). Several controllers and the agents then
 * never overwrite each other's newer state.
 */
import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { encode } from "./messages.js";
import { retryOnOutage } from "./retry.js";
import { kvStreamName } from "./resources.js";

/** A record as stored: its value and the revision a compare-and-set must name. */
export interface StoredRecord<T> {
  record: T;
  revision: number;
}

export type RecordDecoder<T> = (data: Uint8Array, key: string) => T;

export interface RecordChangeOptions<T = unknown> {
  /** Stop retrying (the process is stopping). */
  signal?: AbortSignal;
  /** How long an outage is ridden out (default 60 s). */
  deadlineMs?: number;
  /** Lost compare-and-sets in a row before giving up (default 20). */
  maxConflicts?: number;
  /**
   * The record as the caller last read or wrote it (null: known to be missing): the first
   * compare-and-set uses it instead of reading again, saving a round trip on a hot path (an
   * agent's two writes per job). When it is stale, the write loses and the record is read as usual.
   */
  known?: StoredRecord<T> | null;
}

export interface RecordChangeResult<T> {
  /** The record before the change (undefined: there was none). */
  before: T | undefined;
  /** What was written, or undefined when `change` left the record alone. */
  written: T | undefined;
  /** The revision of what was written. */
  revision?: number;
}

/** The record kept changing under us: every compare-and-set lost. */
export class RecordConflictError extends Error {
  override readonly name = "RecordConflictError";
}

/** True for the error a compare-and-set gets when the entry's revision moved on (or it now exists). */
export function isWrongRevision(e: unknown): boolean {
  return e instanceof JetStreamApiError && (e.code === JetStreamApiCodes.StreamWrongLastSequence || e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

/** The record under `key`, or undefined when there is none (deleted or purged counts as none). Decode errors are thrown. */
export async function readRecord<T>(kv: KV, key: string, decode: RecordDecoder<T>): Promise<StoredRecord<T> | undefined> {
  const entry = await kv.get(key);
  if (!entry || entry.operation !== "PUT") return undefined;
  return { record: decode(entry.value, entry.key), revision: entry.revision };
}

/**
 * Applies `change` to the record under `key` by compare-and-set: `change` gets the current record
 * (undefined when there is none) and returns the next one, or undefined to leave it alone. A
 * missing record is created only if `change` returns one for it.
 */
export async function changeRecord<T>(
  kv: KV,
  key: string,
  decode: RecordDecoder<T>,
  change: (current: T | undefined) => T | undefined,
  options: RecordChangeOptions<T> = {},
): Promise<RecordChangeResult<T>> {
  const maxConflicts = options.maxConflicts ?? 20;
  let conflicts = 0;
  let known = options.known;
  return retryOnOutage(
    async () => {
      for (;;) {
        const current = known !== undefined ? (known ?? undefined) : await readRecord(kv, key, decode);
        known = undefined; // used once: a retry reads
        const next = change(current?.record);
        if (next === undefined) return { before: current?.record, written: undefined };
        try {
          const revision = current ? await kv.update(key, encode(next), current.revision) : await kv.create(key, encode(next));
          return { before: current?.record, written: next, revision };
        } catch (e) {
          if (!isWrongRevision(e)) throw e;
          if (++conflicts >= maxConflicts) throw new RecordConflictError(`record ${key} kept changing under us; gave up after ${conflicts} attempts`, { cause: e });
        }
      }
    },
    { what: `change record ${key}`, signal: options.signal, deadlineMs: options.deadlineMs },
  );
}

/** A delete marker left by removeRecords: its KV revision (its stream sequence) and when it was written. */
export interface RecordMarker {
  key: string;
  revision: number;
  created: Date;
}

/**
 * Removes the records under `keys`, each leaving a delete marker (the farm's buckets keep one
 * message per key, so the record itself goes), and returns the markers read back: a key written
 * again since (a late agent's record) has none.
 *
 * A delete, never a purge: on nats-server before 2.9.12 (Debian 12 ships 2.9.10) a purge, and a
 * KV purge is one, moves every consumer whose filter covers the purged subject past whatever it
 * had not delivered yet (nats-server#3838). A KV watch then misses other keys' records and
 * markers: 500 keys purged 16 at a time reached a watch as 37-74 purge markers, deleted as 500 of
 * 500 delete markers (test/shared/bus/record-removal.test.ts).
 */
export async function removeRecords(kv: KV, keys: readonly string[]): Promise<RecordMarker[]> {
  for (const key of keys) await kv.delete(key);
  const markers: RecordMarker[] = [];
  for (const key of keys) {
    const entry = await kv.get(key);
    if (entry && entry.operation !== "PUT") markers.push({ key, revision: entry.revision, created: entry.created });
  }
  return markers;
}

/**
 * JetStream's error code for a message delete that found nothing to delete: nats-server 2.9 says
 * "no message found", or "stream store EOF" past the stream's end, both under this code.
 */
const MESSAGE_DELETE_FAILED = 10057;

/**
 * Removes one delete marker from the bucket's stream by its sequence; false when it is gone
 * already (a newer record of its key replaced it). By sequence, not a purge by subject: that
 * purge moves the consumers whose filter covers it, as removeRecords says (measured: 2,000 records
 * written 16 at a time while 155 markers were purged by subject reached a watch as 1,610-1,666).
 */
export async function removeMarker(jsm: JetStreamManager, bucket: string, revision: number): Promise<boolean> {
  try {
    // No erase: markers hold nothing.
    return await jsm.streams.deleteMessage(kvStreamName(bucket), revision, false);
  } catch (e) {
    if (e instanceof JetStreamApiError && (e.code === MESSAGE_DELETE_FAILED || e.code === JetStreamApiCodes.NoMessageFound)) return false;
    throw e;
  }
}

/**
 * Keys of a KV bucket under `filter` (e.g. `agent.*`) from one stream-info request, with no
 * consumer. `kv.keys()` creates an ordered consumer, which on a JetStream cluster that lost a node
 * can be placed on the lost peer and time out, and whose reset rejects outside any caller's
 * reach (an unhandled rejection). Deleted keys may be listed: reading them gives no record.
 */
export async function listKeys(jsm: JetStreamManager, bucket: string, filter: string): Promise<string[]> {
  const prefix = `$KV.${bucket}.`;
  // KV_<bucket> is the stream behind a bucket (the NATS KV convention).
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${filter}` });
  return Object.keys(info.state.subjects ?? {}).map((s) => s.slice(prefix.length));
}
