/**
 * Gets a job's template bundle from the object store onto disk (streamed, never whole in memory),
 * checks it is the bundle the job names (sha256 and size), and extracts it with the same safe
 * extraction the controller uses (no paths or links escaping the folder, size limits).
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { ObjectStore } from "@nats-io/obj";
import type { JobMessage } from "../../shared/bus/index.js";
import { extractBundle, type ExtractedBundle } from "../../shared/bundle/index.js";

export class BundleFetchError extends Error {
  override readonly name = "BundleFetchError";
}

export async function fetchBundle(
  store: ObjectStore,
  bundle: JobMessage["bundle"],
  tgzPath: string,
  destDir: string,
  maxBytes?: number,
): Promise<ExtractedBundle> {
  const object = await store.get(bundle.sha256);
  if (!object) throw new BundleFetchError(`bundle ${bundle.sha256} is not in the object store (was it deleted?)`);
  const hash = createHash("sha256");
  let size = 0;
  const source = Readable.fromWeb(object.data as unknown as WebReadableStream<Uint8Array>);
  source.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  await pipeline(source, createWriteStream(tgzPath));
  const streamError = await object.error;
  if (streamError) throw new BundleFetchError(`reading bundle ${bundle.sha256} from the object store failed: ${streamError.message}`);
  const digest = hash.digest("hex");
  if (digest !== bundle.sha256 || size !== bundle.size) {
    throw new BundleFetchError(`bundle ${bundle.sha256} (${bundle.size} bytes) arrived as ${digest} (${size} bytes): the object store copy is damaged`);
  }
  return extractBundle(createReadStream(tgzPath), destDir, { maxBytes });
}
