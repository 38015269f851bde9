/**
 * Packer's StepDownload for `iso_url`/`iso_urls`: local files (paths or file:// URLs) are used
 * in place after their checksum is verified; http(s) URLs are downloaded into a cache folder the
 * builds of an agent share. A download goes to a private temporary name, is hashed while it
 * streams, and is renamed into place only when the checksum matches, so the cache never holds a
 * partial or wrong file; a lock file makes concurrent builds of one ISO download it once.
 */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { fileURLToPath } from "node:url";
import { acquireCacheLock } from "./cache-lock.js";
import { digestFile, resolveChecksum, type ExpectedChecksum } from "./checksum.js";

export interface IsoDownloadOptions {
  /** `iso_urls` (or `[iso_url]`), tried in order. */
  urls: readonly string[];
  /** `iso_checksum` as written: `sha256:…`, bare hex, `file:…`, `none`. */
  checksum: string;
  /** The agent's shared download cache. */
  cacheDir: string;
  /** `iso_target_extension` (default "iso"). */
  targetExtension?: string;
  /** `iso_target_path`: download exactly there instead of into the cache. */
  targetPath?: string;
  /** Relative paths and local checksum files resolve against it. */
  cwd: string;
  signal?: AbortSignal;
  /** Progress lines for the build's output. */
  say?: (message: string) => void;
}

export interface IsoDownloadResult {
  /** Where the ISO is on this host. */
  path: string;
  /** The URL it came from. */
  url: string;
  /** False when a verified copy was already in the cache (or the file is local). */
  downloaded: boolean;
}

export class IsoDownloadError extends Error {}

export async function downloadIso(opts: IsoDownloadOptions): Promise<IsoDownloadResult> {
  if (opts.urls.length === 0) throw new IsoDownloadError("iso_url or iso_urls must name at least one location");
  const failures: string[] = [];
  for (const url of opts.urls) {
    opts.signal?.throwIfAborted();
    // A bad iso_checksum (or an unreadable checksum file) is a template problem: it throws here.
    const expected = await resolveChecksum(opts.checksum, url, opts.cwd, opts.signal);
    if (expected === undefined) opts.say?.("iso_checksum is none: the ISO is not verified");
    try {
      return isRemote(url) ? await fromRemote(url, expected, opts) : await fromLocal(url, expected, opts);
    } catch (e) {
      opts.signal?.throwIfAborted();
      // As Packer: a mirror that fails (or serves a file with another checksum) is skipped.
      failures.push(`${url}: ${(e as Error).message}`);
    }
  }
  throw new IsoDownloadError(opts.urls.length === 1 ? `Could not get the ISO from iso_url ${failures[0]}` : `Could not get the ISO from any of iso_urls:\n  ${failures.join("\n  ")}`);
}

function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

async function fromLocal(url: string, expected: ExpectedChecksum | undefined, opts: IsoDownloadOptions): Promise<IsoDownloadResult> {
  const path = url.toLowerCase().startsWith("file://") ? fileURLToPath(url) : isAbsolute(url) ? url : resolve(opts.cwd, url);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new Error(`no such file: ${path}`);
  if (expected) await verify(path, expected, url, opts.signal);
  return { path, url, downloaded: false };
}

async function fromRemote(url: string, expected: ExpectedChecksum | undefined, opts: IsoDownloadOptions): Promise<IsoDownloadResult> {
  const target = opts.targetPath ? resolve(opts.cwd, opts.targetPath) : join(opts.cacheDir, cacheName(url, expected, opts.targetExtension ?? "iso"));
  await mkdir(dirname(target), { recursive: true });
  const lock = await acquireCacheLock(`${target}.lock`, opts.signal, () => opts.say?.(`Waiting for another build downloading ${url}...`));
  try {
    if (await exists(target)) {
      if (!expected) return { path: target, url, downloaded: false };
      const got = await digestFile(target, expected.type, opts.signal);
      if (got === expected.value) {
        opts.say?.(`Using the cached ISO ${target}`);
        return { path: target, url, downloaded: false };
      }
      // A cached file that no longer matches (changed checksum with iso_target_path): fetch again.
      await rm(target, { force: true });
    }
    opts.say?.(`Downloading ${url}`);
    const partial = `${target}.part-${randomBytes(6).toString("hex")}`;
    try {
      const got = await fetchTo(url, partial, expected?.type ?? "sha256", opts.signal);
      if (expected && got !== expected.value) {
        throw new Error(
          `checksums did not match: expected ${expected.type}:${expected.value}, got ${expected.type}:${got}. ` +
            "The download was discarded; check iso_checksum, or the mirror serves another file.",
        );
      }
      await rename(partial, target);
    } finally {
      await rm(partial, { force: true });
    }
    return { path: target, url, downloaded: true };
  } finally {
    await lock.release();
  }
}

// Content-addressed when the checksum is known, so the same ISO from two mirrors is one entry.
function cacheName(url: string, expected: ExpectedChecksum | undefined, extension: string): string {
  const key = expected ? `${expected.type}-${expected.value}` : createHash("sha256").update(url).digest("hex");
  return `${key}.${extension}`;
}

async function fetchTo(url: string, path: string, hashType: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(url, { signal });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  const hash = createHash(hashType);
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), hashing, createWriteStream(path), { signal });
  return hash.digest("hex");
}

async function verify(path: string, expected: ExpectedChecksum, url: string, signal?: AbortSignal): Promise<void> {
  const got = await digestFile(path, expected.type, signal);
  if (got !== expected.value) {
    throw new Error(`checksums did not match: expected ${expected.type}:${expected.value}, got ${expected.type}:${got}. Check iso_checksum.`);
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
