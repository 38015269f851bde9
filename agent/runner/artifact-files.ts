/** The regular files an artifact's `files` entry stands for (an entry may name a folder). */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** The file itself, or every regular file under it when it is a folder (sorted, for stable lists). */
export async function regularFiles(path: string): Promise<string[]> {
  const st = await stat(path);
  if (st.isFile()) return [path];
  if (!st.isDirectory()) return [];
  const out: string[] = [];
  for (const name of (await readdir(path)).sort()) out.push(...(await regularFiles(join(path, name))));
  return out;
}
