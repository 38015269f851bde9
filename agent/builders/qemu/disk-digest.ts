/** Size and sha256 of a disk file, streamed (disks are far bigger than memory should hold). */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

export async function diskDigest(file: string): Promise<{ sizeBytes: number; sha256: string }> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { sizeBytes: (await stat(file)).size, sha256: hash.digest("hex") };
}
