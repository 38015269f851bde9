/**
 * Fetches artifact files from the controller (DownloadArtifact, streamed in chunks) into a
 * folder, at the path the job recorded, verifying size and sha256 before the file takes its
 * place. A path that would land outside the folder is refused: the client never writes where a
 * controller (or an agent) tells it to beyond its working directory.
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import type { ArtifactChunk, ArtifactFile } from "../../proto/gen/kiln/v1/farm.js";
import { FarmClientError, type FarmConnection } from "./connect.js";
import { controllerWentAway } from "./watch.js";

export interface ArtifactFileRequest {
  buildId: string;
  jobIndex: number;
  file: ArtifactFile;
}

/** Where a recorded artifact path goes under `dir`; throws for paths that would escape it. */
export function artifactDestination(dir: string, path: string): string {
  const rel = normalize(path.split("/").join(sep));
  if (path === "" || isAbsolute(path) || isAbsolute(rel) || rel === ".." || rel.startsWith(`..${sep}`)) {
    throw new FarmClientError(`refusing artifact file "${path}": it would be written outside ${dir}`);
  }
  return join(dir, rel);
}

/** Downloads one file to `dest` (a full path). Retries a few times if the controller restarts. */
export async function downloadArtifactFile(conn: FarmConnection, req: ArtifactFileRequest, dest: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await downloadOnce(conn, req, dest);
      return;
    } catch (e) {
      if (attempt >= 5 || !controllerWentAway(e)) throw conn.explain(e);
      await new Promise((r) => setTimeout(r, 300 * attempt));
    }
  }
}

async function downloadOnce(conn: FarmConnection, req: ArtifactFileRequest, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.kiln-part-${process.pid}`;
  const hash = createHash("sha256");
  let size = 0;
  const out = createWriteStream(part);
  try {
    const call = conn.downloadArtifact({ buildId: req.buildId, jobIndex: req.jobIndex, path: req.file.path });
    for await (const chunk of call as AsyncIterable<ArtifactChunk>) {
      hash.update(chunk.data);
      size += chunk.data.length;
      if (!out.write(chunk.data)) await new Promise<void>((r) => out.once("drain", () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const sha256 = hash.digest("hex");
    if (size !== req.file.size || sha256 !== req.file.sha256) {
      throw new FarmClientError(
        `artifact file ${req.file.path} arrived damaged (${size} bytes, sha256 ${sha256}; the agent recorded ${req.file.size} bytes, sha256 ${req.file.sha256}): run \`kiln artifacts ${req.buildId} --download DIR\` to fetch it again`,
      );
    }
    await rename(part, dest);
  } catch (e) {
    out.destroy();
    await rm(part, { force: true });
    throw e;
  }
}
