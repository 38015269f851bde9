/** DownloadArtifact: one artifact file from the object store, streamed chunk by chunk. */
import type { ArtifactChunk, DownloadArtifactRequest } from "../proto/gen/kiln/v1/farm.js";
import type { ArtifactRef } from "../shared/bus/messages.js";
import { getObject, ObjectReadError } from "../shared/bus/index.js";
import type { ControllerContext } from "./context.js";
import { notFound } from "./errors.js";
import { readJobRecord, requireBuildId } from "./records.js";

export interface ChunkWriter {
  write(chunk: ArtifactChunk): boolean;
  once(event: "drain", listener: () => void): unknown;
  readonly cancelled: boolean;
}

/** An artifact file as its job record holds it (with its object in the artifacts store). */
export type RecordedArtifactFile = ArtifactRef["files"][number];

/** The recorded file a request names; NOT_FOUND when the build, job or file is not there. */
export async function findArtifactFile(ctx: ControllerContext, request: DownloadArtifactRequest): Promise<RecordedArtifactFile> {
  const buildId = requireBuildId(request.buildId);
  const job = await readJobRecord(ctx.bus.builds, buildId, request.jobIndex, ctx.log);
  if (!job) throw notFound(`build ${buildId} has no job ${request.jobIndex}`);
  const file = job.record.artifacts.flatMap((a) => a.files).find((f) => f.path === request.path);
  if (!file) throw notFound(`job ${request.jobIndex} (${job.record.name}) of build ${buildId} has no artifact file "${request.path}"`);
  return file;
}

export async function downloadArtifact(ctx: ControllerContext, request: DownloadArtifactRequest, out: ChunkWriter): Promise<void> {
  await streamArtifactFile(ctx, request, await findArtifactFile(ctx, request), out);
}

/** The file's bytes from the object store into `out`, with its back-pressure. */
export async function streamArtifactFile(ctx: ControllerContext, request: DownloadArtifactRequest, file: RecordedArtifactFile, out: ChunkWriter): Promise<void> {
  const buildId = request.buildId;
  // The client checks every file against the sha256 the agent recorded: hashing here as well
  // would halve what one controller core can serve; the size is still checked.
  const object = await getObject(ctx.bus.artifactSource, file.object, { verifyDigest: false });
  if (!object) throw notFound(`artifact file "${request.path}" of build ${buildId} is recorded but not in the object store (expired or deleted?)`);
  let first = true;
  try {
    for await (const data of object.data) {
      if (out.cancelled) return;
      const chunk: ArtifactChunk = { data, totalSize: first ? file.size : 0 };
      first = false;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", resolve));
    }
  } catch (e) {
    if (e instanceof ObjectReadError) throw new Error(`artifact file "${request.path}" of build ${buildId} is damaged in the object store: ${e.message}`);
    throw e;
  }
  if (first) out.write({ data: new Uint8Array(0), totalSize: file.size }); // an empty file still says its size
}
