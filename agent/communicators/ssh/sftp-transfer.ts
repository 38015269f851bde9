import { createReadStream, createWriteStream } from "node:fs";
import { chmod, lstat, mkdir, readdir, readlink, symlink } from "node:fs/promises";
import path from "node:path";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import picomatch from "picomatch";
import type { SFTPWrapper, Stats } from "ssh2";

/**
 * File transfers over SFTP, with the directory semantics of Packer's communicators (and rsync):
 * a source ending in "/" copies its contents, otherwise the folder itself. Remote paths are POSIX.
 *
 * Why SFTP and not scp: every call is a typed request with its own status (no shell quoting of
 * remote paths, no parsing of scp's text protocol), binary-safe, and mkdir/stat/readdir make the
 * directory rules exact. Every OpenSSH server ships the sftp subsystem by default.
 */

const posix = path.posix;

export async function uploadStream(sftp: SFTPWrapper, remotePath: string, content: Readable | Buffer, mode?: number): Promise<void> {
  const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
  await pipeline(source, sftp.createWriteStream(remotePath, { mode: mode ?? 0o644 }));
  // `mode` at open only applies to new files (and passes through the umask): set it explicitly.
  if (mode !== undefined) await call<void>((cb) => sftp.chmod(remotePath, mode, cb));
}

/** Ends `sink` once the whole file is written to it. */
export async function downloadStream(sftp: SFTPWrapper, remotePath: string, sink: Writable): Promise<void> {
  await pipeline(sftp.createReadStream(remotePath), sink);
}

export async function uploadDirectory(sftp: SFTPWrapper, remoteDir: string, localDir: string): Promise<void> {
  const target = localDir.endsWith("/") ? remoteDir : posix.join(remoteDir, path.basename(localDir));
  await remoteMkdirAll(sftp, target);
  await uploadTree(sftp, path.resolve(localDir), target);
}

async function uploadTree(sftp: SFTPWrapper, localDir: string, remoteDir: string): Promise<void> {
  for (const entry of await readdir(localDir, { withFileTypes: true })) {
    const local = path.join(localDir, entry.name);
    const remote = posix.join(remoteDir, entry.name);
    const info = await lstat(local);
    if (entry.isSymbolicLink()) {
      const target = await readlink(local);
      await call<void>((cb) => sftp.symlink(target, remote, cb)).catch(async () => {
        // A link left by an earlier upload: replace it.
        await call<void>((cb) => sftp.unlink(remote, cb));
        await call<void>((cb) => sftp.symlink(target, remote, cb));
      });
    } else if (entry.isDirectory()) {
      await remoteMkdir(sftp, remote, info.mode & 0o7777);
      await uploadTree(sftp, local, remote);
    } else if (entry.isFile()) {
      await uploadStream(sftp, remote, createReadStream(local), info.mode & 0o7777);
    }
    // Sockets, FIFOs and devices are skipped, as scp and rsync (without -D) do.
  }
}

/**
 * Downloads a remote directory. "dir/" copies its contents into `localDir`, "dir" the folder
 * itself, and a glob in the last component ("dir/*.log") each match.
 */
export async function downloadDirectory(sftp: SFTPWrapper, remoteDir: string, localDir: string): Promise<void> {
  const base = posix.basename(remoteDir);
  if (/[*?[]/.test(base)) {
    const parent = posix.dirname(remoteDir);
    const isMatch = picomatch(base, { dot: false });
    const entries = await call<{ filename: string; attrs: Stats }[]>((cb) => sftp.readdir(parent, cb));
    await mkdir(localDir, { recursive: true });
    for (const e of entries.filter((x) => isMatch(x.filename)).sort((a, b) => a.filename.localeCompare(b.filename))) {
      await downloadEntry(sftp, posix.join(parent, e.filename), path.join(localDir, e.filename), e.attrs);
    }
    return;
  }
  const target = remoteDir.endsWith("/") ? localDir : path.join(localDir, base);
  const stats = await call<Stats>((cb) => sftp.stat(remoteDir, cb));
  if (!stats.isDirectory()) throw new Error(`${remoteDir} is not a directory`);
  await mkdir(target, { recursive: true });
  await downloadTree(sftp, remoteDir, target);
}

async function downloadTree(sftp: SFTPWrapper, remoteDir: string, localDir: string): Promise<void> {
  const entries = await call<{ filename: string; attrs: Stats }[]>((cb) => sftp.readdir(remoteDir, cb));
  for (const e of entries) {
    if (e.filename === "." || e.filename === "..") continue;
    await downloadEntry(sftp, posix.join(remoteDir, e.filename), path.join(localDir, e.filename), e.attrs);
  }
}

async function downloadEntry(sftp: SFTPWrapper, remote: string, local: string, attrs: Stats): Promise<void> {
  if (attrs.isSymbolicLink()) {
    const target = await call<string>((cb) => sftp.readlink(remote, cb));
    await symlink(target, local).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST" || (await readlink(local).catch(() => undefined)) !== target) throw e;
    });
  } else if (attrs.isDirectory()) {
    await mkdir(local, { recursive: true });
    await chmod(local, attrs.mode & 0o7777);
    await downloadTree(sftp, remote, local);
  } else if (attrs.isFile()) {
    await downloadStream(sftp, remote, createWriteStream(local, { mode: attrs.mode & 0o7777 }));
    await chmod(local, attrs.mode & 0o7777);
  }
}

async function remoteMkdirAll(sftp: SFTPWrapper, dir: string): Promise<void> {
  const parts = posix.normalize(dir).split("/");
  let current = dir.startsWith("/") ? "/" : "";
  for (const part of parts) {
    if (part === "") continue;
    current = current === "" ? part : posix.join(current, part);
    await remoteMkdir(sftp, current);
  }
}

/** mkdir that accepts an existing directory (SFTP's error for it is a generic "Failure"). */
async function remoteMkdir(sftp: SFTPWrapper, dir: string, mode?: number): Promise<void> {
  try {
    await call<void>((cb) => (mode === undefined ? sftp.mkdir(dir, cb) : sftp.mkdir(dir, { mode }, cb)));
  } catch (e) {
    const stats = await call<Stats>((cb) => sftp.stat(dir, cb)).catch(() => undefined);
    if (!stats?.isDirectory()) throw e;
  }
  if (mode !== undefined) await call<void>((cb) => sftp.chmod(dir, mode, cb));
}

function call<T>(fn: (cb: (err: Error | undefined | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}
