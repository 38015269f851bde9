/**
 * Every job of a farm build writes its own `manifest` post-processor file on its agent, listing
 * only that job's build. The client merges them into its own copy of the file so it lists every
 * build of the template, exactly as one local run would have left it: appended to what was
 * there, or started afresh with -force when the file is from another run (the post-processor's
 * own rule, applied entry by entry in the order the jobs finished).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { formatManifest, parseManifest, type ManifestFile } from "../../agent/postprocessors/manifest/manifest-file.js";

export function mergeManifests(existing: ManifestFile | undefined, incoming: readonly ManifestFile[], options: { force: boolean }): ManifestFile {
  let merged: ManifestFile = existing ?? { builds: null, last_run_uuid: "" };
  for (const job of incoming) {
    for (const entry of job.builds ?? []) {
      const runUuid = entry.packer_run_uuid;
      if (options.force && merged.last_run_uuid !== runUuid) merged = { builds: null, last_run_uuid: "" };
      merged = { builds: [...(merged.builds ?? []), entry], last_run_uuid: runUuid };
    }
  }
  return merged;
}

/**
 * Merges the manifests the jobs wrote (their texts, in finishing order) into the file at `path`
 * on this machine. `shownAs` names the file in errors.
 */
export async function mergeManifestFile(path: string, shownAs: string, jobManifests: readonly string[], options: { force: boolean }): Promise<void> {
  let existing: ManifestFile | undefined;
  try {
    const text = await readFile(path, "utf8");
    if (text.length > 0) existing = parseManifest(text, shownAs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const incoming = jobManifests.map((text) => parseManifest(text, shownAs));
  // The folder may exist only where the jobs ran (a provisioner made it on the agent); the local
  // build this stands for had it, so make it here too.
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, formatManifest(mergeManifests(existing, incoming, options)), { mode: 0o664 });
}
