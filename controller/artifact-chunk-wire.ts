/**
 * DownloadArtifact's response messages written straight into one Buffer. The generated encoder
 * copies each 1 MiB chunk three times (into its writer, out of it with `finish`, into a Buffer
 * with `Buffer.from`) before grpc-js copies it once more into its frame; at artifact sizes those
 * copies and the garbage they make were most of the controller's CPU per download (bench/farm).
 * The bytes are exactly what the generated `ArtifactChunk.encode` writes (test/controller).
 */
import type { ArtifactChunk } from "../proto/gen/kiln/v1/farm.js";
import { varintLength, writeVarint } from "./protobuf-varint.js";

/** Field 1 (`data`, length-delimited) and field 2 (`total_size`, varint), as protobuf tags. */
const DATA_TAG = (1 << 3) | 2;
const TOTAL_SIZE_TAG = (2 << 3) | 0;

export function encodeArtifactChunk(chunk: ArtifactChunk): Buffer {
  const { data, totalSize } = chunk;
  if (!Number.isSafeInteger(totalSize) || totalSize < 0) throw new RangeError(`artifact chunk total size ${totalSize} is not a byte count`);
  const dataHeader = data.length > 0 ? 1 + varintLength(data.length) : 0;
  const sizeField = totalSize > 0 ? 1 + varintLength(totalSize) : 0;
  const out = Buffer.allocUnsafe(dataHeader + data.length + sizeField);
  let at = 0;
  if (data.length > 0) {
    out[at++] = DATA_TAG;
    at = writeVarint(out, at, data.length);
    out.set(data, at);
    at += data.length;
  }
  if (totalSize > 0) {
    out[at++] = TOTAL_SIZE_TAG;
    at = writeVarint(out, at, totalSize);
  }
  return out;
}
