/** Programs on the PATH a probe was given (not this process's: an agent may be probed for another environment). */
import { constants } from "node:fs";
import { access, readdir } from "node:fs/promises";
import { delimiter, join } from "node:path";

export async function findOnPath(env: NodeJS.ProcessEnv, binary: string): Promise<string | undefined> {
  for (const dir of pathDirs(env)) {
    const candidate = join(dir, binary);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Names of executables on the PATH that `match` accepts, each once, sorted. */
export async function binariesOnPath(env: NodeJS.ProcessEnv, match: (name: string) => boolean): Promise<string[]> {
  const found = new Set<string>();
  for (const dir of pathDirs(env)) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) if (match(name) && !found.has(name) && (await isExecutable(join(dir, name)))) found.add(name);
  }
  return [...found].sort();
}

function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? "").split(delimiter).filter((d) => d.length > 0);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
