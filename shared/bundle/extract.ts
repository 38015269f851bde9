/**
 * Safe extraction of a bundle (a tar.gz of a template's folder) into a directory. The controller
 * extracts what a client submitted and the agent what it fetched from the object store: both must
 * be sure a bundle can only write under its own root.
 *
 * Rules: no absolute paths, no `..`, no device files or FIFOs, links must point inside the root,
 * and both the compressed and the uncompressed size are capped. Regular files and directories are
 * written first and symlinks last, so no entry can be written *through* a link the bundle made.
 */
import { errorMessage } from "../error-message.js";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { link, lstat, mkdir, readFile, readlink, realpath, symlink, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { Parser, type ReadEntry } from "tar";
import { BundleError } from "./errors.js";
import { formatByteSize } from "./size.js";

export const DEFAULT_MAX_BUNDLE_BYTES = 1024 ** 3;

export interface ExtractOptions {
  /** Limit for the compressed bundle and, separately, for the sum of its files' sizes. */
  maxBytes?: number;
  /**
   * Also keep the bundle in memory (ExtractedBundle.snapshot) when it holds only folders and
   * regular files adding up to at most this many bytes: writeBundleSnapshot then makes the same
   * folder without the tar.gz. Unset: nothing is kept.
   */
  snapshotUpTo?: number;
}

export interface ExtractedBundle {
  /** Relative, "/"-separated paths of the regular files written. */
  files: string[];
  /** Sum of the regular files' sizes. */
  bytes: number;
  /** With `snapshotUpTo`, for a bundle of folders and files within it (no links). */
  snapshot?: BundleSnapshot;
}

/** A checked bundle of folders and regular files, held in memory. */
export interface BundleSnapshot {
  /** Relative, "/"-separated folder names, parents before children. */
  dirs: string[];
  files: { name: string; mode: number; data: Buffer }[];
}

const FILE_TYPES = new Set(["File", "OldFile", "ContiguousFile"]);

/**
 * Extracts `tgz` (a gzip-compressed tar, or an uncompressed one) into `destDir` (created if
 * missing). Throws BundleError naming the offending entry; on error, what was already written
 * stays in `destDir` for the caller to remove with the rest of its temp dir.
 */
export async function extractBundle(tgz: Readable | Buffer, destDir: string, options: ExtractOptions = {}): Promise<ExtractedBundle> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BUNDLE_BYTES;
  await mkdir(destDir, { recursive: true });
  const root = await realpath(destDir);
  const result: ExtractedBundle = { files: [], bytes: 0 };
  const symlinks: { name: string; target: string }[] = [];
  // Dropped (undefined) as soon as the bundle turns out to hold a link or too many bytes.
  let snapshot: BundleSnapshot | undefined = options.snapshotUpTo !== undefined ? { dirs: [], files: [] } : undefined;

  // Entries arrive one at a time; each is handled fully (its data written) before the next.
  let failure: unknown;
  let work: Promise<void> = Promise.resolve();
  const parser = new Parser({
    strict: true,
    // The uncompressed limit is ours; tar's ratio guard would refuse legitimate sparse disk images.
    maxDecompressionRatio: Number.MAX_SAFE_INTEGER,
    onReadEntry: (entry: ReadEntry) => {
      work = work.then(async () => {
        if (failure !== undefined) {
          entry.resume();
          return;
        }
        try {
          await writeEntry(entry);
        } catch (e) {
          failure ??= e;
          entry.resume();
          parser.abort(e instanceof Error ? e : new Error(String(e)));
        }
      });
    },
  });
  const parsed = new Promise<void>((resolveParsed, rejectParsed) => {
    parser.on("error", (e: unknown) => {
      failure ??= e;
      rejectParsed(e);
    });
    parser.on("end", () => resolveParsed());
  });
  parsed.catch(() => undefined); // observed below

  async function writeEntry(entry: ReadEntry): Promise<void> {
    const name = entryName(entry.path);
    const type = entry.type;
    if (name === "") {
      entry.resume();
      return; // "./" itself
    }
    const abs = join(root, ...name.split("/"));
    if (type === "Directory") {
      snapshot?.dirs.push(name);
      await mkdir(abs, { recursive: true });
      entry.resume();
      return;
    }
    if (FILE_TYPES.has(type)) {
      result.bytes += entry.size ?? 0;
      if (result.bytes > maxBytes) {
        throw new BundleError(`bundle entry "${name}": the bundle's files add up to more than ${formatByteSize(maxBytes)} (the limit; the controller's --max-bundle-size)`, name);
      }
      await mkdir(dirname(abs), { recursive: true });
      await refuseExistingLink(abs, name);
      const mode = ((entry.mode ?? 0o644) & 0o777) | 0o600;
      const out = createWriteStream(abs, { mode });
      const done = once(out, "close");
      if (snapshot && result.bytes > (options.snapshotUpTo ?? 0)) snapshot = undefined;
      entry.pipe(out);
      await done;
      // Read back, once per bundle: listening to the entry beside the pipe could miss its first chunks.
      snapshot?.files.push({ name, mode, data: await readFile(abs) });
      result.files.push(name);
      return;
    }
    if (type === "SymbolicLink" || type === "Link") snapshot = undefined;
    if (type === "SymbolicLink") {
      const target = entry.linkpath ?? "";
      if (isAbsolute(target) || posix.isAbsolute(target)) {
        throw new BundleError(`bundle entry "${name}": a symlink to an absolute path (${target}) points outside the bundle; bundles may only link to their own files`, name);
      }
      if (!inside(root, resolve(dirname(abs), target))) {
        throw new BundleError(`bundle entry "${name}": the symlink target "${target}" points outside the bundle; bundles may only link to their own files`, name);
      }
      symlinks.push({ name, target });
      entry.resume();
      return;
    }
    if (type === "Link") {
      const targetName = entryName(entry.linkpath ?? "", `bundle entry "${name}": hard link target`);
      if (targetName === "") throw new BundleError(`bundle entry "${name}": a hard link to the bundle's root folder`, name);
      const targetAbs = join(root, ...targetName.split("/"));
      const st = await lstat(targetAbs).catch(() => undefined);
      if (!st?.isFile()) {
        throw new BundleError(`bundle entry "${name}": hard link to "${targetName}", which is not a regular file earlier in the bundle`, name);
      }
      await mkdir(dirname(abs), { recursive: true });
      await refuseExistingLink(abs, name);
      await link(targetAbs, abs);
      result.files.push(name);
      entry.resume();
      return;
    }
    const kind = { CharacterDevice: "a character device", BlockDevice: "a block device", FIFO: "a FIFO" }[type as string] ?? `an entry of type ${type}`;
    throw new BundleError(`bundle entry "${name}" is ${kind}; bundles may hold only files, folders and links inside the bundle`, name);
  }

  try {
    await feed(tgz, parser, maxBytes, parsed);
    await parsed;
    await work;
  } catch (e) {
    await work.catch(() => undefined);
    throw asBundleError(failure ?? e);
  }
  if (failure !== undefined) throw asBundleError(failure);

  for (const { name, target } of symlinks) {
    const abs = join(root, ...name.split("/"));
    await mkdir(dirname(abs), { recursive: true });
    await refuseExistingLink(abs, name);
    // The parent folder must not pass through a link made just before (it could lead elsewhere).
    if ((await realpath(dirname(abs))) !== dirname(abs)) {
      throw new BundleError(`bundle entry "${name}": a symlink inside a linked folder; bundles may not nest links`, name);
    }
    await symlink(target, abs);
  }
  // Links chained through other links can leave the root even when each looked fine on its own.
  for (const { name } of symlinks) {
    const abs = join(root, ...name.split("/"));
    const real = await resolveAsFarAsExists(abs);
    if (!inside(root, real)) {
      throw new BundleError(`bundle entry "${name}": the symlink (through other links) points outside the bundle (${await readlink(abs)}); bundles may only link to their own files`, name);
    }
  }
  if (snapshot) result.snapshot = snapshot;
  return result;
}

/**
 * Makes in `destDir` (created if missing) the folder a snapshot was taken of: its names were
 * checked when the bundle was extracted, and it holds no links, so nothing is looked up on the
 * way (a farm agent writes the same small bundle for each of its jobs).
 */
export async function writeBundleSnapshot(snapshot: BundleSnapshot, destDir: string): Promise<ExtractedBundle> {
  await mkdir(destDir, { recursive: true });
  const made = new Set<string>([""]);
  const makeDir = async (name: string): Promise<void> => {
    if (made.has(name)) return;
    await mkdir(join(destDir, ...name.split("/")), { recursive: true });
    made.add(name);
  };
  for (const dir of snapshot.dirs) await makeDir(dir);
  let bytes = 0;
  for (const f of snapshot.files) {
    await makeDir(posix.dirname(f.name) === "." ? "" : posix.dirname(f.name));
    await writeFile(join(destDir, ...f.name.split("/")), f.data, { mode: f.mode });
    bytes += f.data.length;
  }
  return { files: snapshot.files.map((f) => f.name), bytes };
}

/** Writes the bundle's bytes into the parser, counting them against the compressed limit. */
async function feed(tgz: Readable | Buffer, parser: Parser, maxBytes: number, parsed: Promise<void>): Promise<void> {
  const tooBig = (): BundleError =>
    new BundleError(`the bundle is larger than ${formatByteSize(maxBytes)} compressed (the limit; the controller's --max-bundle-size)`);
  if (Buffer.isBuffer(tgz)) {
    if (tgz.length > maxBytes) throw tooBig();
    parser.end(tgz);
    return;
  }
  let seen = 0;
  for await (const chunk of tgz) {
    const buf: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    seen += buf.length;
    if (seen > maxBytes) {
      tgz.destroy();
      throw tooBig();
    }
    // `parsed` settles early when the parser aborts: stop waiting for a drain that never comes.
    if (!parser.write(buf)) await Promise.race([once(parser, "drain"), parsed]);
  }
  parser.end();
}

/**
 * The entry's path, checked and normalised to "a/b/c" ("" for the root itself). Refuses absolute
 * paths and any `..` component rather than silently rewriting them as tar does.
 */
function entryName(raw: string, what = `bundle entry "${raw}"`): string {
  if (raw.includes("\0")) throw new BundleError(`${what}: the path contains a NUL byte`, raw);
  const slashed = raw.replace(/\\/g, "/");
  if (slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed)) {
    throw new BundleError(`${what}: absolute paths are not allowed in a bundle (paths must be relative to the template's folder)`, raw);
  }
  const parts = slashed.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new BundleError(`${what}: ".." escapes the bundle's root (paths must stay inside the template's folder)`, raw);
  }
  return parts.join("/");
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** A file entry must not replace a link (it would be written where the link points). */
async function refuseExistingLink(abs: string, name: string): Promise<void> {
  const st = await lstat(abs).catch(() => undefined);
  if (st?.isSymbolicLink()) throw new BundleError(`bundle entry "${name}" would be written through a symlink of the same name`, name);
}

/** realpath of the longest existing prefix, with the rest appended (for dangling links). */
async function resolveAsFarAsExists(p: string, hops = 0): Promise<string> {
  if (hops > 40) throw new BundleError(`the bundle's symlinks form a loop at "${p}"`);
  try {
    return await realpath(p);
  } catch {
    const target = await readlink(p).catch(() => undefined);
    if (target !== undefined) return resolveAsFarAsExists(resolve(await resolveAsFarAsExists(dirname(p), hops + 1), target), hops + 1);
    const parent = dirname(p);
    if (parent === p) return p;
    return join(await resolveAsFarAsExists(parent, hops + 1), p.slice(parent.length + 1));
  }
}

function asBundleError(e: unknown): Error {
  if (e instanceof BundleError) return e;
  const message = errorMessage(e);
  return new BundleError(`the bundle is not a readable tar.gz archive: ${message}`);
}
