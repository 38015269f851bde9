import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream/promises";

/** Node's name for each Packer checksum type. */
const ALGORITHMS = { md5: "md5", sha1: "sha1", sha224: "sha224", sha256: "sha256", sha384: "sha384", sha512: "sha512" } as const;

/** Hashes a file as a stream (artifacts are disk images: never read whole into memory). Lower-case hex. */
export async function hashFile(path: string, type: keyof typeof ALGORITHMS, signal?: AbortSignal): Promise<string> {
  const hash = createHash(ALGORITHMS[type]);
  await pipeline(createReadStream(path), hash, { signal });
  return hash.digest("hex");
}
