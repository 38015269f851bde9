import { createWriteStream } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { create as createTar } from "tar";

/**
 * A Vagrant box is a tarball of a folder (metadata.json, Vagrantfile, the provider's files),
 * gzipped unless compression_level is 0 (Packer: flate.NoCompression writes a plain tar, which
 * `vagrant box add` accepts too). Entries are the folder's files under their relative names;
 * big disk images stream from disk to disk.
 */
export async function folderToBox(folder: string, box: string, compressionLevel: number, signal: AbortSignal): Promise<void> {
  await mkdir(dirname(box), { recursive: true });
  const entries = (await readdir(folder)).sort();
  // portable: no uid/gid/user names of the build host in the box.
  const tar = createTar({ cwd: folder, portable: true, follow: true }, entries) as unknown as Readable;
  const stages: Array<Readable | Transform | Writable> = [tar];
  // -1 is zlib's "default" (6); 0 means no compression at all.
  if (compressionLevel !== 0) stages.push(createGzip({ level: compressionLevel === -1 ? 6 : compressionLevel }));
  stages.push(createWriteStream(box));
  try {
    await pipeline(stages, { signal });
  } catch (e) {
    // A half-written box would be added by vagrant and fail later, far from the cause.
    await rm(box, { force: true });
    throw e;
  }
}
