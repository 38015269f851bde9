import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { normalize } from "node:path";
import { Readable } from "node:stream";
import { ZipFile } from "yazl";

export interface ZipInput {
  /** Where to read the file. */
  absolute: string;
  /** The path as the artifact lists it (Packer uses it as the entry name). */
  listed: string;
}

/** The earliest time a zip entry can hold (1980-01-01 00:00, local time as DOS dates are). */
const ZIP_EPOCH = new Date(1980, 0, 1, 0, 0, 0);

/**
 * A zip stream (deflate) of the given files. Entry names are the artifact's paths as Packer
 * writes them, except that a leading `/` or `../` is dropped: unzip would refuse or strip them.
 */
export async function zipArchive(files: readonly ZipInput[]): Promise<Readable> {
  const zip = new ZipFile();
  for (const f of files) {
    let st;
    try {
      st = await stat(f.absolute);
    } catch (e) {
      throw new Error(`Unable to read file ${f.listed}: ${(e as Error).message}`);
    }
    // Packer's zip.Writer.Create entries carry no time (the DOS epoch) and no Unix mode, so its
    // archives are the same from run to run and unpack with the reader's default permissions.
    zip.addReadStream(createReadStream(f.absolute), zipEntryName(f.listed), { mtime: ZIP_EPOCH, mode: 0o100644, forceDosTimestamp: true, size: st.size });
  }
  zip.end();
  // yazl types it as the old NodeJS.ReadableStream; it is a stream.Readable (a PassThrough).
  const out: unknown = zip.outputStream;
  if (!(out instanceof Readable)) throw new Error("yazl's output is not a stream.Readable");
  return out;
}

export function zipEntryName(listed: string): string {
  let name = normalize(listed).replace(/\\/g, "/");
  name = name.replace(/^\/+/, "");
  while (name.startsWith("../")) name = name.slice(3);
  return name;
}
