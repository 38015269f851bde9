/** Finds the first of several alternative host programs on PATH (e.g. xorriso, else genisoimage). */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";

export async function findProgram(names: readonly string[], searchPath: string = process.env.PATH ?? ""): Promise<string | undefined> {
  const dirs = searchPath.split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const ok = await access(path.join(dir, name), constants.X_OK).then(() => true, () => false);
      if (ok) return name;
    }
  }
  return undefined;
}
