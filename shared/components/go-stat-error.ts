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
    return `stat ${shown}: ${goErrnoText(e)}`;
  }
}

/**
 * goStatError for a path as a template wrote it, relative to `cwd`: "" is no file (Go's
 * os.Stat("") fails), not the working folder it would resolve to.
 */
export function goStatErrorIn(cwd: string, path: string): string | undefined {
  return path === "" ? "stat : no such file or directory" : goStatError(resolve(cwd, path), path);
}

/** The text Go's syscall.Errno gives for a Node file system error ("no such file or directory"). */
export function goErrnoText(e: unknown): string {
  const texts: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EISDIR: "is a directory",
    ENOTDIR: "not a directory",
    EEXIST: "file exists",
    ENOSPC: "no space left on device",
    EROFS: "read-only file system",
  };
  const code = (e as NodeJS.ErrnoException).code;
  return (code !== undefined ? texts[code] : undefined) ?? (e as Error).message;
}
