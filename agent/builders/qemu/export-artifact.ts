/**
 * Before a qemu artifact leaves its agent: a disk with a backing file (the overlay
 * `use_backing_file` makes, or any other qcow2 that names one) points at an image on this
 * agent's disk, useless anywhere else. It is flattened with `qemu-img convert` into a
 * self-contained image of the same name, compressed again when `disk_compression` asked for it.
 * Local builds never come here: they keep the overlay, as Packer does.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Artifact } from "../../runner/artifact.js";
import { regularFiles } from "../../runner/artifact-files.js";
import type { ExportContext } from "../types.js";
import { diskDigest } from "./disk-digest.js";
import { diskInfo, type DiskInfo } from "../common/disk-info.js";
import { runProgram } from "../common/run-program.js";

/** Formats whose images can name a backing file, and that `qemu-img convert` writes. */
const LAYERED_FORMATS = new Set(["qcow2", "qcow", "qed", "vmdk"]);

interface LayeredDisk {
  file: string;
  format: string;
  backingFile: string;
}

export async function exportArtifact(artifact: Artifact, ctx: ExportContext): Promise<Artifact> {
  const compress = artifact.state?.diskCompression === true;
  const flattened: LayeredDisk[] = [];
  for (const entry of artifact.files) {
    for (const file of await regularFiles(path.resolve(ctx.workDir, entry))) {
      const disk = await layeredDisk(file, ctx.signal);
      if (!disk) continue;
      const shown = path.relative(ctx.workDir, file) || file;
      ctx.ui.say(`Flattening overlay ${shown} (backing file ${disk.backingFile}) into a self-contained ${disk.format} for upload...`);
      await flatten(disk, compress, ctx.signal);
      flattened.push(disk);
    }
  }
  if (flattened.length === 0) return artifact;
  const state: Record<string, unknown> = { ...artifact.state, flattenedFrom: flattened.map((d) => d.backingFile), backingFile: false };
  // The recorded digest described the overlay; the flattened disk is what ships.
  const diskPath = typeof artifact.state?.diskPath === "string" ? path.resolve(ctx.workDir, artifact.state.diskPath) : undefined;
  if (diskPath && flattened.some((d) => d.file === diskPath)) {
    const digest = await diskDigest(diskPath);
    state.sizeBytes = digest.sizeBytes;
    state.sha256 = digest.sha256;
  }
  return { ...artifact, description: `${artifact.description} (overlay flattened into a self-contained image for upload)`, state };
}

/** The disk's format and backing file when it has one; undefined for anything else. */
async function layeredDisk(file: string, signal: AbortSignal): Promise<LayeredDisk | undefined> {
  let info: DiskInfo;
  try {
    info = await diskInfo(file, signal);
  } catch (e) {
    if (signal.aborted) throw e;
    return undefined; // not an image qemu-img can read: nothing of ours to flatten
  }
  if (!info.backingFile || !LAYERED_FORMATS.has(info.format)) return undefined;
  return { file, format: info.format, backingFile: info.backingFile };
}

/** Converts next to the file (same file system), then renames over it: never half a disk. */
async function flatten(disk: LayeredDisk, compress: boolean, signal: AbortSignal): Promise<void> {
  const tmp = `${disk.file}.flatten`;
  const args = ["convert", "-O", disk.format, ...(compress && disk.format === "qcow2" ? ["-c"] : []), disk.file, tmp];
  try {
    await runProgram("qemu-img", args, signal);
    await rename(tmp, disk.file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new Error(`flattening ${disk.file} (backing file ${disk.backingFile}) for upload failed: ${errorMessage(e)}`);
  }
}
