/** Every file under `dir`, sorted (Packer's LocalOutputDir.ListFiles; VM builders' artifacts are these). */
import { readdir } from "node:fs/promises";
import path from "node:path";

export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}
