/**
 * Gets a job's template bundle from the object store onto disk (streamed, never whole in memory),
 * checks it is the bundle the job names (sha256 and size), and extracts it with the same safe
 * extraction the controller uses (no paths or links escaping the folder, size limits).
 */
import { getObject, ObjectReadError, retryOnOutage, type ObjectSource } from "../../shared/bus/index.js";
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { chmod, mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { JobMessage } from "../../shared/bus/index.js";
import { extractBundle, writeBundleSnapshot, type BundleSnapshot, type ExtractedBundle } from "../../shared/bundle/index.js";

/** Where an agent keeps the bundles it fetched, by sha256. */
export function bundleCacheDir(agentWorkDir: string): string {
  return join(agentWorkDir, "bundle-cache");
}

export class BundleFetchError extends Error {
  override readonly name = "BundleFetchError";
}

/**
 * Bundles are content-addressed, so an agent keeps each one it fetched under its sha256 in
 * `cacheDir` and later jobs of the same template (a CI pipeline's every run) skip the download.
 * Each job still extracts its own fresh copy. `pruneBundleCache` drops entries unused for a day.
 */
export async function fetchBundle(
  /** The bundles' object store (kiln_bundles). */
  store: ObjectSource,
  bundle: JobMessage["bundle"],
  cacheDir: string,
  destDir: string,
  maxBytes?: number,
  /** The job's: its wait for the download ends at once (the download goes on for other jobs of the bundle, and the cache). */
  signal?: AbortSignal,
): Promise<ExtractedBundle> {
  const snapshot = snapshots.get(bundle.sha256);
  if (snapshot) {
    // Most recently used last: the first is the one to drop.
    snapshots.delete(bundle.sha256);
    snapshots.set(bundle.sha256, snapshot);
    return writeBundleSnapshot(snapshot, destDir);
  }
  const cached = join(cacheDir, `${bundle.sha256}.tar.gz`);
  if (!existsSync(cached)) {
    // Two jobs of one template often start together on one agent: they share one download.
    let inFlight = downloads.get(cached);
    if (!inFlight) {
      inFlight = downloadToCache(store, bundle, cacheDir, cached).finally(() => downloads.delete(cached));
      downloads.set(cached, inFlight);
    }
    await untilAborted(inFlight, signal);
  }
  const now = new Date();
  await utimes(cached, now, now).catch(() => undefined); // "last used", for pruning
  const extracted = await extractBundle(createReadStream(cached), destDir, { maxBytes, snapshotUpTo: SNAPSHOT_MAX_BYTES });
  if (extracted.snapshot) {
    snapshots.set(bundle.sha256, extracted.snapshot);
    if (snapshots.size > SNAPSHOTS_KEPT) snapshots.delete(snapshots.keys().next().value!);
  }
  return extracted;
}

/**
 * Small bundles (a template and a few files, the usual case) are kept in memory once extracted,
 * by sha256: each later job of the same template writes its files without reading, unzipping and
 * parsing the tar.gz again (~1.7 of ~3.3 ms of file-system CPU per job, bench of the job folder
 * path). At most SNAPSHOTS_KEPT of SNAPSHOT_MAX_BYTES each: a few MiB.
 */
const SNAPSHOT_MAX_BYTES = 256 * 1024;
const SNAPSHOTS_KEPT = 32;
const snapshots = new Map<string, BundleSnapshot>();

/** `work`, or an AbortError as soon as `signal` aborts (the work goes on unobserved). */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  work.catch(() => undefined); // an abandoned download's failure is its next waiter's to see
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Downloads under way in this process, by cache path. */
const downloads = new Map<string, Promise<void>>();

async function downloadToCache(store: ObjectSource, bundle: JobMessage["bundle"], cacheDir: string, cached: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true, mode: CACHE_DIR_MODE });
  await chmod(cacheDir, CACHE_DIR_MODE);
  // Unique per download: another agent process may share the folder (and a pid and a
  // millisecond are not unique within one process).
  const partial = `${cached}.${process.pid}.${randomUUID()}.partial`;
  try {
    // A NATS node lost mid-fetch (leader election) is ridden out; a stalled read goes on with a
    // new consumer inside getObject; a missing or damaged bundle is not retried.
    try {
      await retryOnOutage(() => download(store, bundle, partial), { what: `fetch bundle ${bundle.sha256}`, firstPauseMs: 500 });
    } catch (e) {
      if (e instanceof ObjectReadError) throw new BundleFetchError(`reading bundle ${bundle.sha256} from the object store failed: ${e.message}`);
      throw e;
    }
    await rename(partial, cached); // atomic: a concurrent job sees the whole file or none
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * Bundles may hold files a build treats as private (scripts with keys, config): the cache is the
 * agent user's alone, folder 0700 and files 0600, whatever the umask.
 */
const CACHE_DIR_MODE = 0o700;
const CACHE_FILE_MODE = 0o600;

/**
 * Removes cached bundles not used for `maxAgeMs` (and partial downloads a crash left), and takes
 * back what an older agent left readable to others.
 */
export async function pruneBundleCache(cacheDir: string, maxAgeMs = 24 * 3_600_000): Promise<number> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
    await chmod(cacheDir, CACHE_DIR_MODE);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const path = join(cacheDir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    if (name.endsWith(".partial") ? Date.now() - info.mtimeMs > 3_600_000 : Date.now() - info.mtimeMs > maxAgeMs) {
      await rm(path, { force: true });
      removed++;
    } else if ((info.mode & 0o777) !== CACHE_FILE_MODE) {
      await chmod(path, CACHE_FILE_MODE);
    }
  }
  return removed;
}

/**
 * Through getObject's push consumer (agents may not pull from the bundles' stream), deleted once
 * read: the client library's own `get` left one per download for the server to drop after five
 * idle minutes (~900 at a time in bench/soak at 10 builds/s, each a bundle of its own).
 */
async function download(source: ObjectSource, bundle: JobMessage["bundle"], tgzPath: string): Promise<void> {
  const object = await getObject(source, bundle.sha256, { push: true });
  if (!object) throw new BundleFetchError(`bundle ${bundle.sha256} is not in the object store (was it deleted?)`);
  if (object.sha256 !== bundle.sha256 || object.info.size !== bundle.size) {
    throw new BundleFetchError(`bundle ${bundle.sha256} (${bundle.size} bytes) is stored as ${object.sha256} (${object.info.size} bytes): the object store copy is not the one submitted`);
  }
  // getObject checks the size and the sha256 as the chunks pass (an ObjectReadError: downloadToCache says which bundle).
  await pipeline(Readable.from(object.data), createWriteStream(tgzPath, { mode: CACHE_FILE_MODE }));
}
