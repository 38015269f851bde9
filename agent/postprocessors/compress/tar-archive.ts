import { stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { Readable } from "node:stream";
import { WriteEntry } from "tar";

/**
 * A tar stream of the given files (absolute paths), each stored under its base name as Packer
 * does, with mtime 0 (Packer zeroes the times so archives are reproducible). Symlinks are
 * followed, like Packer's os.Open. Streams: one file's data is read as it is written.
 */
export function tarArchive(files: readonly string[]): Readable {
  return Readable.from(tarChunks(files));
}

async function* tarChunks(files: readonly string[]): AsyncGenerator<Buffer> {
  for (const abs of files) {
    let st;
    try {
      st = await stat(abs);
    } catch (e) {
      throw new Error(`Unable to read file ${abs}: ${(e as Error).message}`);
    }
    // A pre-filled stat cache makes the entry describe the link's target instead of the link.
    const entry = new WriteEntry(basename(abs), {
      cwd: dirname(abs),
      mtime: new Date(0),
      statCache: new Map([[abs, st]]),
    });
    for await (const chunk of entry) yield chunk as Buffer;
  }
  // End of archive: two empty 512-byte records.
  yield Buffer.alloc(1024);
}
