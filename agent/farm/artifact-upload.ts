/**
 * Uploads the files of a job's artifacts to the artifacts object store (streamed, hashed on the
 * way) and describes them as ArtifactRefs, with paths relative to the job's working folder:
 * that is where the client puts them in its own working directory, as a local build would.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import type { ObjectStore } from "@nats-io/obj";
import { artifactObjectName, type ArtifactRef } from "../../shared/bus/index.js";
import type { Artifact } from "../runner/artifact.js";
import { regularFiles } from "../runner/artifact-files.js";

type ArtifactFile = ArtifactRef["files"][number];

export interface UploadContext {
  store: ObjectStore;
  buildId: string;
  jobIndex: number;
  /** Delivery attempt: part of object names, so a retried job never replaces (purges) an earlier upload. */
  attempt: number;
  /** The folder the build ran in; artifact paths are relative to it. */
  workDir: string;
  /** Told about files that could not be placed under the working folder. */
  warn: (message: string) => void;
}

export async function uploadArtifacts(artifacts: readonly Artifact[], ctx: UploadContext): Promise<ArtifactRef[]> {
  // The same file can belong to several artifacts (a checksum post-processor keeping its input).
  const uploaded = new Map<string, ArtifactFile>();
  const refs: ArtifactRef[] = [];
  for (const artifact of artifacts) {
    const files: ArtifactFile[] = [];
    for (const file of artifact.files) {
      for (const absolute of await regularFiles(resolve(ctx.workDir, file))) {
        let done = uploaded.get(absolute);
        if (!done) {
          done = await uploadFile(absolute, clientPath(absolute, ctx), ctx);
          uploaded.set(absolute, done);
        }
        files.push(done);
      }
    }
    refs.push({ builderId: artifact.builderId, id: artifact.id, description: artifact.description, files });
  }
  return refs;
}

/** Where the client puts the file: relative to the working folder, "/"-separated. */
function clientPath(absolute: string, ctx: UploadContext): string {
  const rel = relative(ctx.workDir, absolute);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    ctx.warn(`artifact file ${absolute} is outside the build's folder; the client receives it as ${basename(absolute)}`);
    return basename(absolute);
  }
  return rel.split(sep).join("/");
}

async function uploadFile(absolute: string, path: string, ctx: UploadContext): Promise<ArtifactFile> {
  const object = artifactObjectName(ctx.buildId, ctx.jobIndex, ctx.attempt, path);
  const hash = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const file = createReadStream(absolute);
  file.on("error", (e) => tap.destroy(e));
  const source = file.pipe(tap);
  await ctx.store.put({ name: object }, Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>);
  return { path, object, size, sha256: hash.digest("hex") };
}
