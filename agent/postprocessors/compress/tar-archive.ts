import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { gnuTarHeaders, tarPadding } from "./gnu-tar-header.js";

/**
 * A tar stream of the given files (absolute paths), each stored under its base name as Packer
 * does, in its GNU format with the times zeroed (gnu-tar-header.ts). Symlinks are followed, like
 * Packer's os.Open. Streams: one file's data is read as it is written.
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
    yield* gnuTarHeaders({ name: basename(abs), mode: st.mode, uid: st.uid, gid: st.gid, size: st.size });
    let written = 0;
    for await (const chunk of createReadStream(abs)) {
      written += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (written !== st.size) throw new Error(`Failed to copy ${abs} data to archive: it changed size while being read`);
    yield tarPadding(st.size);
  }
  // End of archive: two empty 512-byte records.
  yield Buffer.alloc(1024);
}
