import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Artifact, ArtifactFile } from "../../proto/gen/kiln/v1/farm.js";
import type { FarmConnection } from "./connect.js";
import { artifactDestination, downloadArtifactFile, type DownloadOptions, type DownloadSource } from "./download.js";
import { mergeManifestFile } from "./manifest-merge.js";
import { MANIFEST_BUILDER_ID } from "./render.js";

/** What one job made, as its finished event or its record says. */
export interface JobArtifacts {
  jobIndex: number;
  artifactRefs: readonly Artifact[];
}

/** What a fetch brought: how many files, how many bytes, and from where. */
export interface FetchedArtifacts {
  files: number;
  bytes: number;
  sources: Set<DownloadSource>;
}

/**
 * Every artifact file lands at its recorded path under `cwd`; the manifest files of all jobs
 * are merged into the client's manifest instead of overwriting one another.
 */
export async function fetchArtifacts(conn: FarmConnection, buildId: string, jobs: readonly JobArtifacts[], cwd: string, force: boolean, download: DownloadOptions = {}): Promise<FetchedArtifacts> {
  const fetched: FetchedArtifacts = { files: 0, bytes: 0, sources: new Set() };
  const fetchFile = async (jobIndex: number, file: ArtifactFile, dest: string): Promise<void> => {
    fetched.sources.add(await downloadArtifactFile(conn, { buildId, jobIndex, file }, dest, download));
    fetched.files++;
    fetched.bytes += file.size;
  };
  const manifests = new Map<string, string[]>();
  let parts = 0;
  const scratch = await mkdtemp(join(tmpdir(), "kiln-manifests-"));
  try {
    for (const o of jobs) {
      const seen = new Set<string>();
      for (const ref of o.artifactRefs) {
        for (const file of ref.files) {
          if (seen.has(file.path)) continue;
          seen.add(file.path);
          const dest = artifactDestination(cwd, file.path);
          if (ref.builderId !== MANIFEST_BUILDER_ID) {
            await fetchFile(o.jobIndex, file, dest);
            continue;
          }
          const part = join(scratch, String(parts++));
          await fetchFile(o.jobIndex, file, part);
          const texts = manifests.get(file.path) ?? [];
          texts.push(await readFile(part, "utf8"));
          manifests.set(file.path, texts);
        }
      }
    }
    for (const [path, texts] of manifests) await mergeManifestFile(artifactDestination(cwd, path), path, texts, { force });
    return fetched;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
