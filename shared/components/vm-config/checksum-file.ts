import { readFileSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * `iso_checksum: "file:SHA256SUMS"`: Packer reads the checksum file while validating and picks the
 * line naming the ISO's file name (GNU `hash  name` / `hash *name` or BSD `SHA256 (name) = hash`).
 * Remote (http/https) checksum files are fetched at build time in Kiln, not while validating.
 */
export class ChecksumFileError extends Error {}

export interface ResolvedChecksum {
  /** `sha256:…`, `md5:…`, … */
  checksum: string;
}

const HASH_BY_LENGTH: Record<number, string> = { 32: "md5", 40: "sha1", 64: "sha256", 128: "sha512" };

/** Returns undefined when the checksum file is remote and will be read at build time. */
export function checksumFromFile(location: string, isoUrl: string, cwd: string): ResolvedChecksum | undefined {
  if (/^https?:\/\//i.test(location)) return undefined;
  const path = location.startsWith("file://") ? fileURLToPath(location) : isAbsolute(location) ? location : resolve(cwd, location);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file or directory" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new ChecksumFileError(`Error downloading checksum file: source path error: stat ${path}: ${why}`);
  }
  return checksumFromText(text, isoUrl, location);
}

/**
 * Picks the checksum of the ISO's file name from a checksum file's text (also used at build time
 * for remote checksum files). `location` only names the file in the error.
 */
export function checksumFromText(text: string, isoUrl: string, location: string): ResolvedChecksum {
  const wanted = basename(isoUrl.split(/[?#]/)[0]);
  for (const line of text.split(/\r?\n/)) {
    const bsd = /^(\w+) \((.+)\) = ([0-9a-fA-F]+)$/.exec(line.trim());
    if (bsd) {
      if (basename(bsd[2]) === wanted) return { checksum: `${bsd[1].toLowerCase()}:${bsd[3].toLowerCase()}` };
      continue;
    }
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 2) continue;
    const name = basename(fields[1].replace(/^\*/, ""));
    const type = HASH_BY_LENGTH[fields[0].length];
    if (name === wanted && type && /^[0-9a-fA-F]+$/.test(fields[0])) return { checksum: `${type}:${fields[0].toLowerCase()}` };
  }
  throw new ChecksumFileError(`no checksum found in: ${location}`);
}
