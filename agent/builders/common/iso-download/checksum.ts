/**
 * `iso_checksum` at build time: `type:hex`, bare hex (type from its length), `none`, or
 * `file:LOCATION` naming a checksum file (sha256sum or BSD format), local or http(s).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { checksumFromFile, checksumFromText } from "../../../../shared/components/vm-config/checksum-file.js";

export interface ExpectedChecksum {
  /** A node crypto algorithm: md5, sha1, sha256, sha512. */
  type: string;
  /** Lower-case hex. */
  value: string;
}

export class ChecksumError extends Error {}

const TYPE_BY_LENGTH: Record<number, string> = { 32: "md5", 40: "sha1", 64: "sha256", 128: "sha512" };

/** Resolves `spec` to the expected digest of `isoUrl`; undefined for `none` (no verification). */
export async function resolveChecksum(spec: string, isoUrl: string, cwd: string, signal?: AbortSignal): Promise<ExpectedChecksum | undefined> {
  if (spec === "" || spec.toLowerCase() === "none") return undefined;
  const colon = spec.indexOf(":");
  const type = colon >= 0 ? spec.slice(0, colon).toLowerCase() : undefined;
  const value = colon >= 0 ? spec.slice(colon + 1) : spec;
  if (type === "file") return fromChecksumFile(value, isoUrl, cwd, signal);
  const algorithm = type ?? TYPE_BY_LENGTH[value.length];
  if (!algorithm || !["md5", "sha1", "sha256", "sha512"].includes(algorithm)) {
    throw new ChecksumError(`iso_checksum "${spec}": unknown checksum type; use md5:, sha1:, sha256:, sha512:, file: or none`);
  }
  if (!/^[0-9a-fA-F]+$/.test(value) || value.length * 4 !== { md5: 128, sha1: 160, sha256: 256, sha512: 512 }[algorithm]) {
    throw new ChecksumError(`iso_checksum "${spec}": not a ${algorithm} digest (wrong length or not hex)`);
  }
  return { type: algorithm, value: value.toLowerCase() };
}

async function fromChecksumFile(location: string, isoUrl: string, cwd: string, signal?: AbortSignal): Promise<ExpectedChecksum> {
  let resolved: string;
  try {
    if (/^https?:\/\//i.test(location)) {
      const res = await fetch(location, { signal });
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      resolved = checksumFromText(await res.text(), isoUrl, location).checksum;
    } else {
      resolved = checksumFromFile(location, isoUrl, cwd)!.checksum;
    }
  } catch (e) {
    signal?.throwIfAborted();
    throw new ChecksumError(`iso_checksum "file:${location}": ${(e as Error).message}`);
  }
  const colon = resolved.indexOf(":");
  return { type: resolved.slice(0, colon), value: resolved.slice(colon + 1) };
}

/** Hashes a file by streaming it (ISOs are gigabytes; never read them into memory). */
export async function digestFile(path: string, type: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash(type);
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
