/**
 * Reads an object of a JetStream object store (written by `@nats-io/obj` or putObject) as a
 * stream of its chunks, checking size and sha256 with Node's crypto as they pass. The client's
 * own `get` hashes in JavaScript and read a 1 GiB artifact at ~40 MB/s (bench/farm); this reads
 * the chunks through an ordered consumer that keeps 32 MiB requested ahead.
 */
import { createHash } from "node:crypto";
import { DeliverPolicy, type JetStreamClient, type JsMsg, type MsgRequest, type NextMsgRequest, type StoredMsg } from "@nats-io/jetstream";
import type { ObjectInfo, ObjectStore } from "@nats-io/obj";
import { objectStoreStreamName } from "./object-purge.js";

export interface ObjectSource {
  js: JetStreamClient;
  store: ObjectStore;
  bucket: string;
}

export interface ObjectReader {
  info: ObjectInfo;
  /** Hex sha256 the object was stored with. */
  sha256: string;
  /** The content, chunk by chunk; throws ObjectReadError when it does not match the stored size and digest. */
  data: AsyncIterable<Uint8Array>;
}

export class ObjectReadError extends Error {
  override readonly name = "ObjectReadError";
}

/** Bytes the server may send ahead of what the reader took. */
const READ_AHEAD_BYTES = 32 * 1024 * 1024;
/**
 * No chunk for this long while more are expected: the consumer is given up and the stream's
 * leader asked for the next chunk (STREAM.MSG.GET, answered by the leader alone). It has it: the
 * chunk is taken from that answer and a new consumer opened after it. It has none: the rest of
 * the object is not in the stream, and the read fails at once. The leader cannot be asked (a
 * cluster without quorum): a new consumer is opened from the next chunk, waiting twice as long
 * (5, 10, 20 s…) until READ_PATIENCE quiet periods in a row have passed with nothing (60 s).
 * Why: on nats-server 2.9 a consumer of a replicated stream is placed on a random replica, and on
 * a loaded 3-node cluster a lagging one delivered nothing for well over 15 s (bench/soak, 30
 * minutes: 529 of 13,980 bundle reads failed after 5 s, 29 of 12,740 after three consumers and
 * 15 s, 5 of 13,560 after 60 s).
 */
const QUIET_MS = 5000;
const READ_PATIENCE = 12;

export interface ObjectGetOptions {
  /**
   * Check the sha256 while reading (default true). A reader that passes the bytes on to someone
   * who checks them against the same digest (the controller streaming to a client that verifies
   * every file) skips hashing twice; the size is checked either way.
   */
  verifyDigest?: boolean;
  /**
   * Read through an ordered push consumer instead of a pull one: for users allowed to create and
   * delete consumers on the store's stream but not to pull from it (agents reading bundles: see
   * deploy/nats/agent-user.conf.template). Either consumer is deleted once read; the client
   * library's own `get` left its push consumer for the server to drop after five idle minutes.
   */
  push?: boolean;
  /** How long a read waits for its next chunk before asking the stream's leader for it (default 5 s). */
  quietMs?: number;
}

/** The object's reader, or undefined when there is no such object (or it was deleted). */
export async function getObject({ js, store, bucket }: ObjectSource, name: string, options: ObjectGetOptions = {}): Promise<ObjectReader | undefined> {
  const info = await store.info(name);
  if (!info || info.deleted) return undefined;
  if (info.options?.link) throw new ObjectReadError(`object ${name} in ${bucket} is a link; Kiln does not make links`);
  const sha256 = storedSha256(info, bucket);
  const verify = options.verifyDigest === false ? undefined : sha256;
  return { info, sha256, data: chunksOf(js, bucket, info, verify, options.push === true, options.quietMs ?? QUIET_MS) };
}

/**
 * An ordered consumer of the object's chunks from stream sequence `fromSeq` on (from the first
 * when undefined), delivering them; `remove` deletes it on the server.
 */
async function openChunkConsumer(
  js: JetStreamClient,
  bucket: string,
  info: ObjectInfo,
  push: boolean,
  fromSeq: number | undefined,
): Promise<{ messages: AsyncIterable<JsMsg> & { stop(): void }; remove: () => Promise<unknown> }> {
  const stream = `OBJ_${bucket}`;
  const from = fromSeq === undefined ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq };
  const options = { filter_subjects: `$O.${bucket}.C.${info.nuid}`, ...from };
  if (push) {
    // The server paces it by flow control, as the client library's own get does.
    const consumer = await js.consumers.getPushConsumer(stream, options);
    return { messages: await consumer.consume(), remove: () => consumer.delete() };
  }
  const consumer = await js.consumers.get(stream, options);
  const perPull = Math.max(1, Math.floor(READ_AHEAD_BYTES / (info.options?.max_chunk_size || 128 * 1024)));
  // consume() asks for more before the last pull is used up, so chunks keep flowing (fetches
  // of 32 MiB one after another left the pipe empty between them: ~120 MB/s). Counted in
  // messages, not max_bytes: a chunk that does not fit the bytes left ends a pull with an error.
  return { messages: await consumer.consume({ max_messages: Math.min(perPull, info.chunks) }), remove: () => consumer.delete() };
}

/** The hex sha256 an object was stored with (the store keeps it as base64url `SHA-256=…`). */
export function storedSha256(info: ObjectInfo, bucket: string): string {
  if (!info.digest.startsWith("SHA-256=")) throw new ObjectReadError(`object ${info.name} in ${bucket} has a digest of unknown type: ${info.digest}`);
  return Buffer.from(info.digest.slice("SHA-256=".length).replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("hex");
}

/**
 * The object's chunk after stream sequence `after` as the stream's leader has it: null when it
 * has none, undefined when it could not be asked.
 */
async function nextChunkFromLeader(js: JetStreamClient, bucket: string, info: ObjectInfo, after: number | undefined): Promise<StoredMsg | null | undefined> {
  try {
    const jsm = await js.jetstreamManager(false);
    // The server's STREAM.MSG.GET takes next_by_subj since 2.9.0; the client's type names only its direct get's.
    const next: NextMsgRequest = { next_by_subj: `$O.${bucket}.C.${info.nuid}`, seq: after ?? 0 };
    return await jsm.streams.getMessage(objectStoreStreamName(bucket), next as unknown as MsgRequest);
  } catch {
    return undefined;
  }
}

async function* chunksOf(js: JetStreamClient, bucket: string, info: ObjectInfo, sha256: string | undefined, push: boolean, quietMs: number): AsyncGenerator<Uint8Array> {
  const hash = sha256 === undefined ? undefined : createHash("sha256");
  let size = 0;
  let chunks = 0;
  /** The stream sequence after the last chunk received: where a new consumer starts. */
  let nextSeq: number | undefined;
  const took = (data: Uint8Array, seq: number): void => {
    hash?.update(data);
    size += data.length;
    chunks++;
    nextSeq = seq + 1;
  };
  /** Quiet time in a row, in units of quietMs; and the next consumer's quiet period, likewise. */
  let waited = 0;
  let patience = 1;
  /** Why the chunks stopped short, for the error. */
  let missing = `no more came through new consumers for ${(READ_PATIENCE * quietMs) / 1000} s: not in the stream`;
  while (chunks < info.chunks && waited < READ_PATIENCE) {
    const { messages, remove } = await openChunkConsumer(js, bucket, info, push, nextSeq);
    // A consumer may stall with chunks left in the stream, and a chunk missing from the stream
    // would be waited for forever: a quiet spell ends this consumer (see QUIET_MS).
    const quietFor = Math.min(patience, READ_PATIENCE - waited) * quietMs;
    let watchdog = setTimeout(() => void messages.stop(), quietFor);
    let cameNow = 0;
    try {
      for await (const m of messages) {
        clearTimeout(watchdog);
        took(m.data, m.info.streamSequence);
        cameNow++;
        yield m.data;
        if (chunks >= info.chunks) break;
        watchdog = setTimeout(() => void messages.stop(), quietFor);
      }
    } finally {
      clearTimeout(watchdog);
      messages.stop();
      await remove().catch(() => undefined);
    }
    if (chunks >= info.chunks) break;
    const fromLeader = await nextChunkFromLeader(js, bucket, info, nextSeq);
    if (fromLeader === null) {
      missing = `the stream's leader has no more: not in the stream`;
      break;
    }
    if (fromLeader) {
      took(fromLeader.data, fromLeader.seq);
      yield fromLeader.data;
      waited = patience = 1;
    } else if (cameNow > 0) {
      waited = patience = 1; // this consumer went quiet after delivering: the next starts afresh
    } else {
      waited += quietFor / quietMs;
      patience *= 2;
    }
  }
  if (size < info.size) throw new ObjectReadError(`object ${info.name} in ${bucket} came incomplete: read ${size} of its ${info.size} bytes (${chunks} of ${info.chunks} chunks; ${missing})`);
  if (size !== info.size) throw new ObjectReadError(`object ${info.name} in ${bucket} is damaged: read ${size} bytes, stored as ${info.size} bytes`);
  const digest = hash?.digest("hex");
  if (digest !== sha256) throw new ObjectReadError(`object ${info.name} in ${bucket} is damaged: read with sha256 ${digest}, stored with sha256 ${sha256}`);
}
