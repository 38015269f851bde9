/** DownloadArtifact: one artifact file from the object store, streamed chunk by chunk. */
import type { ArtifactChunk, DownloadArtifactRequest } from "../proto/gen/kiln/v1/farm.js";
import type { ControllerContext } from "./context.js";
import { notFound } from "./errors.js";
import { readJobRecord, requireBuildId } from "./records.js";

export interface ChunkWriter {
  write(chunk: ArtifactChunk): boolean;
  once(event: "drain", listener: () => void): unknown;
  readonly cancelled: boolean;
}

export async function downloadArtifact(ctx: ControllerContext, request: DownloadArtifactRequest, out: ChunkWriter): Promise<void> {
  const buildId = requireBuildId(request.buildId);
  const job = await readJobRecord(ctx.bus.builds, buildId, request.jobIndex, ctx.log);
  if (!job) throw notFound(`build ${buildId} has no job ${request.jobIndex}`);
  const file = job.record.artifacts.flatMap((a) => a.files).find((f) => f.path === request.path);
  if (!file) throw notFound(`job ${request.jobIndex} (${job.record.name}) of build ${buildId} has no artifact file "${request.path}"`);
  const object = await ctx.bus.artifacts.get(file.object);
  if (!object) throw notFound(`artifact file "${request.path}" of build ${buildId} is recorded but not in the object store (expired or deleted?)`);
  const reader = object.data.getReader();
  let first = true;
  try {
    for (;;) {
      if (out.cancelled) return;
      const { done, value } = await reader.read();
      if (done) break;
      const chunk: ArtifactChunk = { data: value, totalSize: first ? file.size : 0 };
      first = false;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", resolve));
    }
    if (first) out.write({ data: new Uint8Array(0), totalSize: file.size }); // an empty file still says its size
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  // The object store checks the digest while reading and reports a mismatch here.
  const failed = await object.error;
  if (failed) throw new Error(`artifact file "${request.path}" of build ${buildId} is damaged in the object store: ${failed.message}`);
}
