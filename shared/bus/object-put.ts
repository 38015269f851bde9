/**
 * Writes an object into a JetStream object store as `@nats-io/obj` does (chunks on
 * `$O.<bucket>.C.<nuid>`, then the object's info on `$O.<bucket>.M.<name>` with a rollup), so
 * `ObjectStore.get/info/list/delete` read it as any other object — but with several chunks in
 * flight instead of one. The client's own `put` waits for each chunk's ack before sending the
 * next: 128 KiB per round trip held a 1 GiB artifact to ~40 MB/s (bench/farm). The order of
 * the chunks is kept: they leave on one connection in order, and the stream stores them so.
 */
import { createHash } from "node:crypto";
import { JsHeaders, type JetStreamClient, type PubAck } from "@nats-io/jetstream";
import type { ObjectStore } from "@nats-io/obj";
import { headers, nuid, type NatsConnection } from "@nats-io/transport-node";

export interface ObjectPutOptions {
  /** Bytes per chunk (default 1 MiB; at most the server's max_payload). */
  chunkBytes?: number;
  /** Chunks sent and not yet acked (default 16). */
  inFlight?: number;
  /** Wait this long for each chunk's ack (default 30 s: a busy disk, a cluster leader change). */
  ackTimeoutMs?: number;
}

export interface PutObjectInfo {
  name: string;
  size: number;
  chunks: number;
  /** Hex sha256 of the content (the store keeps it base64url as `SHA-256=…`). */
  sha256: string;
}

const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/**
 * Stores everything `source` yields under `name` in the object store. On failure, chunks already
 * stored are purged and the previous object, if any, is left as it was.
 */
export interface ObjectStoreTarget {
  nc: NatsConnection;
  js: JetStreamClient;
  /** The store's handle (to find and purge an earlier object of the same name) and its bucket name. */
  store: ObjectStore;
  bucket: string;
}

export async function putObject(
  { nc, js, store, bucket }: ObjectStoreTarget,
  name: string,
  source: AsyncIterable<Uint8Array>,
  options: ObjectPutOptions = {},
): Promise<PutObjectInfo> {
  const maxPayload = nc.info?.max_payload ?? DEFAULT_CHUNK_BYTES;
  const chunkBytes = Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, maxPayload);
  const inFlight = Math.max(1, options.inFlight ?? 16);
  const timeout = options.ackTimeoutMs ?? 30_000;
  const metaSubject = metaSubjectOf(bucket, name); // refuses a name the store cannot hold before anything is sent
  const previous = await store.info(name);
  const id = nuid.next();
  const chunkSubject = `$O.${bucket}.C.${id}`;
  const stream = `OBJ_${bucket}`;

  const hash = createHash("sha256");
  let size = 0;
  let chunks = 0;
  const pending = new Set<Promise<PubAck>>();
  let failed: unknown;
  const send = async (payload: Uint8Array): Promise<void> => {
    hash.update(payload);
    size += payload.length;
    chunks++;
    const ack = js.publish(chunkSubject, payload, { timeout });
    pending.add(ack);
    ack.then(
      () => pending.delete(ack),
      (e: unknown) => {
        pending.delete(ack);
        failed ??= e;
      },
    );
    while (pending.size >= inFlight && failed === undefined) await Promise.race(pending).catch(() => undefined);
    if (failed !== undefined) throw failed;
  };

  try {
    // Source chunks (a file read stream's 64 KiB) are gathered into whole chunks.
    let buffer = Buffer.allocUnsafe(chunkBytes);
    let filled = 0;
    for await (const data of source) {
      let offset = 0;
      while (offset < data.length) {
        const n = Math.min(chunkBytes - filled, data.length - offset);
        buffer.set(data.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === chunkBytes) {
          await send(buffer);
          buffer = Buffer.allocUnsafe(chunkBytes); // the one sent may still be in the socket's queue
          filled = 0;
        }
      }
    }
    if (filled > 0) await send(buffer.subarray(0, filled));
    await Promise.all(pending);
    if (failed !== undefined) throw failed;

    const sha = hash.digest();
    const info = {
      name,
      description: "",
      options: { max_chunk_size: chunkBytes },
      bucket,
      nuid: id,
      size,
      chunks,
      mtime: new Date().toISOString(),
      // The client reads base64url with padding.
      digest: `SHA-256=${sha.toString("base64").replace(/\+/g, "-").replace(/\//g, "_")}`,
      deleted: false,
    };
    const h = headers();
    h.set(JsHeaders.RollupHdr, JsHeaders.RollupValueSubject);
    await js.publish(metaSubject, JSON.stringify(info), { headers: h, timeout });
    if (previous && !previous.deleted && previous.nuid) {
      const jsm = await js.jetstreamManager();
      // The new object is live; failing to drop the old chunks wastes space, nothing else.
      await jsm.streams.purge(stream, { filter: `$O.${bucket}.C.${previous.nuid}` }).catch(() => undefined);
    }
    return { name, size, chunks, sha256: sha.toString("hex") };
  } catch (e) {
    await Promise.allSettled(pending);
    const jsm = await js.jetstreamManager();
    await jsm.streams.purge(stream, { filter: chunkSubject }).catch(() => undefined);
    throw e;
  }
}

/**
 * The object's info subject, named as the client library names it: base64url (padded) of the
 * name read as Latin-1, which is what its `btoa` does (and it refuses anything beyond Latin-1).
 */
function metaSubjectOf(bucket: string, name: string): string {
  if (name === "" || /[^\x00-\xff]/.test(name)) {
    throw new Error(`object name "${name}" cannot be stored: the object store's names are non-empty Latin-1 text`);
  }
  return `$O.${bucket}.M.${Buffer.from(name, "latin1").toString("base64").replace(/\+/g, "-").replace(/\//g, "_")}`;
}
