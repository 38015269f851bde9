import { statSync } from "node:fs";
import { resolve } from "node:path";

/**
 * What Go's `os.Stat` error says about `shown` ("stat x.sh: no such file or directory"), as Packer
 * prints it in "Bad script" / "Bad source" problems; undefined when `absolute` exists.
 */
export function goStatError(absolute: string, shown: string): string | undefined {
  try {
    statSync(absolute);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
    return `stat ${shown}: ${reason}`;
  }
}

/**
 * goStatError for a path as a template wrote it, relative to `cwd`: "" is no file (Go's
 * os.Stat("") fails), not the working folder it would resolve to.
 */
export function goStatErrorIn(cwd: string, path: string): string | undefined {
  return path === "" ? "stat : no such file or directory" : goStatError(resolve(cwd, path), path);
}
