/**
 * The warm-boot snapshots of a host, for every builder that has -warm: one folder per warm key
 * under the download cache (`<cache>/kiln-warm/<key>/`; on the farm that is the agent's own cache
 * folder, outside the job folders the reaper removes), holding the guest's RAM and device state at
 * the moment its sshd answered (`state.bin`, in the builder's own format) and its disk at that
 * moment (`disk.qcow2`, a small overlay on the base image), then `meta.json` naming both sizes.
 *
 * A snapshot is written into a staging folder, synced, and renamed into place, so readers only
 * ever see a whole one; a folder whose files do not match its meta.json (copied in part, or cut
 * by a crash of the machine before the data reached the disk) is never trusted. Staging folders
 * of a process that died mid-capture are removed by the next -warm build. Concurrent builds only
 * read a snapshot (each copies the overlay); it never becomes part of an artifact.
 */
import { randomUUID } from "node:crypto";
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { pidAlive } from "../pid-alive.js";

export interface WarmSnapshot {
  dir: string;
  statePath: string;
  diskPath: string;
}

const META_FILE = "meta.json";

/** What meta.json records: enough to tell a whole snapshot from a partial one. */
const SnapshotMeta = z.object({
  key: z.string(),
  builder: z.string(),
  savedAt: z.string(),
  stateBytes: z.number().int().nonnegative(),
  diskBytes: z.number().int().nonnegative(),
});
export type SnapshotMeta = z.infer<typeof SnapshotMeta>;

/** Tells this process's staging folders from those of an earlier process with the same pid (containers). */
const PROCESS_TOKEN = randomUUID().slice(0, 8);

export function warmRoot(cacheDir: string): string {
  return path.join(cacheDir, "kiln-warm");
}

export function snapshotAt(root: string, key: string): WarmSnapshot {
  const dir = path.join(root, key);
  return { dir, statePath: path.join(dir, "state.bin"), diskPath: path.join(dir, "disk.qcow2") };
}

/** Whether a whole snapshot is there: both files, and the sizes its meta.json recorded. */
export async function snapshotExists(s: WarmSnapshot): Promise<boolean> {
  try {
    const meta = SnapshotMeta.parse(JSON.parse(await readFile(path.join(s.dir, META_FILE), "utf8")));
    const [state, disk] = await Promise.all([stat(s.statePath), stat(s.diskPath)]);
    return state.size === meta.stateBytes && disk.size === meta.diskBytes && meta.stateBytes > 0;
  } catch {
    return false;
  }
}

/** A fresh folder to write a snapshot into, beside the final one (same filesystem, for rename). */
export async function stagingFor(root: string, key: string): Promise<WarmSnapshot> {
  // A guest's RAM is private to the agent's user, as its job folders are (0700).
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  const dir = path.join(root, `.${key}.${process.pid}.${PROCESS_TOKEN}.${randomUUID().slice(0, 8)}`);
  await mkdir(dir);
  return { dir, statePath: path.join(dir, "state.bin"), diskPath: path.join(dir, "disk.qcow2") };
}

/**
 * Removes staging folders whose writer is gone: its pid is dead, or it is this pid from an earlier
 * life of the process. A live writer's folder is left alone. Returns the folders removed.
 */
export async function reapStaleStaging(root: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = /^\.[0-9a-f]+\.(\d+)\.([0-9a-f]+)\.[0-9a-f]+$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const stale = !pidAlive(pid) || (pid === process.pid && m[2] !== PROCESS_TOKEN);
    if (!stale) continue;
    await rm(path.join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

async function syncFile(file: string): Promise<number> {
  const handle = await open(file, "r+");
  try {
    await handle.sync();
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

/**
 * Publishes a staged snapshot (both files written): syncs them, records their sizes, renames the
 * folder into place. When another build published the same key first, ours is dropped.
 */
export async function publish(staged: WarmSnapshot, final: WarmSnapshot, meta: { key: string; builder: string }): Promise<boolean> {
  const stateBytes = await syncFile(staged.statePath);
  const diskBytes = await syncFile(staged.diskPath);
  const full: SnapshotMeta = { ...meta, savedAt: new Date().toISOString(), stateBytes, diskBytes };
  await writeFile(path.join(staged.dir, META_FILE), JSON.stringify(full, null, 2), { flush: true });
  try {
    // A partial folder at the final name (an older format, a crash of the machine) is not a snapshot.
    if (!(await snapshotExists(final))) await rm(final.dir, { recursive: true, force: true });
    await rename(staged.dir, final.dir);
    return true;
  } catch {
    await rm(staged.dir, { recursive: true, force: true });
    return false;
  }
}

/** A snapshot that failed to restore is removed, so the next -warm build captures a new one. */
export async function discard(s: WarmSnapshot): Promise<void> {
  await rm(s.dir, { recursive: true, force: true });
}

/** File digests (path, size, mtime → sha256) kept across runs, so the base image is hashed once. */
export async function loadDigests(root: string): Promise<Map<string, string>> {
  try {
    return new Map(Object.entries(JSON.parse(await readFile(path.join(root, "digests.json"), "utf8")) as Record<string, string>));
  } catch {
    return new Map();
  }
}

export async function saveDigests(root: string, digests: Map<string, string>): Promise<void> {
  await mkdir(root, { recursive: true });
  const tmp = path.join(root, `digests.json.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  await writeFile(tmp, JSON.stringify(Object.fromEntries(digests)));
  await rename(tmp, path.join(root, "digests.json"));
}
