/**
 * Gathers the files of `cd_files`/`cd_content` or `floppy_files`/`floppy_dirs` into one staging
 * folder, laid out as the medium will be, so one tool call then makes the image. As in Packer: a
 * file lands at the root under its own name, a directory is copied whole under its name,
 * symlinks are followed (the medium gets the target's content), and the last path segment may be
 * a glob (`scripts/*.sh`).
 */
import { cp, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import picomatch from "picomatch";

export class MediaFilesError extends Error {}

/** Copies each entry of `patterns` (relative to `workDir`) into `into`; `key` names the template key in errors. */
export async function stageMediaFiles(key: string, patterns: readonly string[], workDir: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  for (const pattern of patterns) {
    const sources = await expand(key, pattern, workDir);
    for (const source of sources) {
      const info = await stat(source).catch(() => undefined);
      if (!info) throw new MediaFilesError(`${key}: '${pattern}': ${source} does not exist`);
      const target = path.join(into, path.basename(source));
      await cp(source, target, { recursive: info.isDirectory(), dereference: true, force: true });
    }
  }
}

/** Writes `cd_content` entries (path on the medium → content); paths may not leave the medium. */
export async function stageMediaContent(key: string, content: Readonly<Record<string, string>>, into: string): Promise<void> {
  for (const [name, text] of Object.entries(content)) {
    const target = path.resolve(into, name.replace(/^\/+/, ""));
    if (!target.startsWith(into + path.sep)) throw new MediaFilesError(`${key}: '${name}' is not a path inside the medium`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  }
}

async function expand(key: string, pattern: string, workDir: string): Promise<string[]> {
  const full = path.resolve(workDir, pattern);
  const dir = path.dirname(full);
  const last = path.basename(full);
  if (!picomatch.scan(last).isGlob) return [full];
  if (picomatch.scan(dir).isGlob) throw new MediaFilesError(`${key}: '${pattern}': only the last path segment may hold a glob`);
  const matches = picomatch(last, { dot: false });
  const names = await readdir(dir).catch(() => {
    throw new MediaFilesError(`${key}: '${pattern}': cannot read the folder ${dir}`);
  });
  const found = names.filter((n) => matches(n)).sort();
  if (found.length === 0) throw new MediaFilesError(`${key}: '${pattern}' matches no file`);
  return found.map((n) => path.join(dir, n));
}
