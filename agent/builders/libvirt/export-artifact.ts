/**
 * Before a libvirt artifact leaves its agent: the volume stays in the agent host's pool, and a
 * self-contained copy (an overlay flattened with `qemu-img convert`) is written into the job folder
 * for the farm to upload, so the client receives a disk it can use anywhere. With
 * `output_directory` the downloaded file is flattened the same way as qemu's disks are.
 */
import { access, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Artifact } from "../../runner/artifact.js";
import type { ExportContext } from "../types.js";
import { exportArtifact as flattenDisks } from "../qemu/export-artifact.js";
import { runProgram } from "../common/run-program.js";

export async function exportLibvirtArtifact(artifact: Artifact, ctx: ExportContext): Promise<Artifact> {
  if (artifact.files.length > 0) return flattenDisks(artifact, ctx);
  const remotePath = artifact.state?.RemotePath;
  const volume = artifact.state?.Volume;
  if (typeof remotePath !== "string" || typeof volume !== "string") return artifact;
  try {
    await access(remotePath);
  } catch {
    ctx.ui.say(`Volume ${volume} is not a file on this host (${remotePath}): the artifact stays in its pool and only its id is sent`);
    return artifact;
  }
  const dir = path.join(ctx.workDir, "libvirt-artifact");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, volume);
  const format = typeof artifact.state?.Format === "string" && artifact.state.Format !== "iso" ? artifact.state.Format : "raw";
  ctx.ui.say(`Copying volume ${volume} into a self-contained ${format} image for upload...`);
  await runProgram("qemu-img", ["convert", "-U", "-O", format, remotePath, file], ctx.signal);
  return { ...artifact, files: [path.relative(ctx.workDir, file)], state: { ...artifact.state, diskPath: file } };
}
