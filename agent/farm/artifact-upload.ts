/**
 * Uploads the files of a job's artifacts to the artifacts object store (streamed, hashed on the
 * way, several chunks in flight) and describes them as ArtifactRefs, with paths relative to the job's working folder:
 * that is where the client puts them in its own working directory, as a local build would.
 */
import { retryOnOutage } from "../../shared/bus/index.js";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import { ARTIFACTS_STORE, artifactObjectName, putObject, type ArtifactRef, type Bus } from "../../shared/bus/index.js";
import type { Artifact } from "../runner/artifact.js";
import { regularFiles } from "../runner/artifact-files.js";

type ArtifactFile = ArtifactRef["files"][number];

export interface UploadContext {
  /** The farm's connection: its artifacts store (`kiln_artifacts`) and the clients its chunks are published with. */
  bus: Pick<Bus, "nc" | "js" | "artifacts">;
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
      // A discarded docker container's artifact lists one empty path (as Packer's does): no file.
      if (file === "") continue;
      for (const absolute of await regularFiles(resolve(ctx.workDir, file))) {
        let done = uploaded.get(absolute);
        if (!done) {
          // A put names its object: retried after a NATS node loss it replaces the partial one.
          done = await retryOnOutage(() => uploadFile(absolute, clientPath(absolute, ctx), ctx), { what: `upload artifact ${absolute}` });
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
  // Big reads, several 1 MiB chunks in flight (putObject): a disk image goes at disk speed, not
  // at one round trip per 128 KiB chunk as the client's own put does.
  const stored = await putObject({ ...ctx.bus, store: ctx.bus.artifacts, bucket: ARTIFACTS_STORE }, object, createReadStream(absolute, { highWaterMark: 1024 * 1024 }));
  return { path, object, size: stored.size, sha256: stored.sha256 };
}
