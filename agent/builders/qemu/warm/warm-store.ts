/**
 * The warm-boot snapshots of a host: one folder per warm key under the download cache
 * (`<cache>/kiln-warm/<key>/`), holding the guest's RAM and device state at the moment its sshd
 * answered (`state.bin`, a QEMU migration stream) and its disk at that moment (`disk.qcow2`, a
 * small overlay on the base image). A snapshot is written into a temp folder and renamed into
 * place, so readers only ever see a whole one; concurrent builds read it and copy the overlay,
 * never write it. It never becomes part of an artifact.
 */
import { access, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export interface WarmSnapshot {
  dir: string;
  statePath: string;
  diskPath: string;
}

export function warmRoot(cacheDir: string): string {
  return path.join(cacheDir, "kiln-warm");
}

export function snapshotAt(root: string, key: string): WarmSnapshot {
  const dir = path.join(root, key);
  return { dir, statePath: path.join(dir, "state.bin"), diskPath: path.join(dir, "disk.qcow2") };
}

export async function snapshotExists(s: WarmSnapshot): Promise<boolean> {
  try {
    await access(s.statePath);
    await access(s.diskPath);
    return true;
  } catch {
    return false;
  }
}

/** A fresh folder to write a snapshot into, beside the final one (same filesystem, for rename). */
export async function stagingFor(root: string, key: string): Promise<WarmSnapshot> {
  await mkdir(root, { recursive: true });
  const dir = path.join(root, `.${key}.${process.pid}.${Date.now()}`);
  await mkdir(dir);
  return { dir, statePath: path.join(dir, "state.bin"), diskPath: path.join(dir, "disk.qcow2") };
}

/** Publishes a staged snapshot; when another build published the same key first, ours is dropped. */
export async function publish(staged: WarmSnapshot, final: WarmSnapshot, meta: Record<string, unknown>): Promise<boolean> {
  await writeFile(path.join(staged.dir, "meta.json"), JSON.stringify(meta, null, 2));
  try {
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
  const tmp = path.join(root, `digests.json.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(Object.fromEntries(digests)));
  await rename(tmp, path.join(root, "digests.json"));
}
