import { lstat, readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import picomatch from "picomatch";

/**
 * Go's filepath.Glob (what Packer's artifice uses): `*`, `?` and `[...]` within one path
 * segment, no `**` and no braces; a pattern without them names one file, returned only if it
 * exists; matches come sorted per folder, in the pattern's own form (relative stays relative).
 * Relative patterns are looked up under `cwd`.
 */
export async function goGlob(pattern: string, cwd: string): Promise<string[]> {
  if (!hasMeta(pattern)) {
    return (await lstat(resolve(cwd, pattern)).then(() => true, () => false)) ? [pattern] : [];
  }
  const slash = pattern.lastIndexOf("/");
  let dir = slash < 0 ? "" : pattern.slice(0, slash + 1);
  const file = pattern.slice(slash + 1);
  dir = cleanGlobDir(dir);
  if (!hasMeta(dir)) return globIn(dir, file, cwd);
  const out: string[] = [];
  for (const d of await goGlob(dir, cwd)) out.push(...(await globIn(d, file, cwd)));
  return out;
}

function hasMeta(path: string): boolean {
  return /[*?[\\]/.test(path);
}

function cleanGlobDir(dir: string): string {
  if (dir === "") return ".";
  if (/^\/+$/.test(dir)) return "/";
  return dir.replace(/\/+$/, "");
}

async function globIn(dir: string, pattern: string, cwd: string): Promise<string[]> {
  const abs = resolve(cwd, dir);
  const isDir = await stat(abs).then((s) => s.isDirectory(), () => false);
  if (!isDir) return [];
  const names = (await readdir(abs).catch(() => [] as string[])).sort();
  const match = picomatch(pattern, { dot: true, nobrace: true, noextglob: true, noglobstar: true });
  // Go's Join cleans the result: "./x" becomes "x".
  return names.filter((n) => match(n)).map((n) => (dir === "." ? n : join(dir, n)));
}
