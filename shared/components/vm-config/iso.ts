import type { ConfigReader } from "../config-reader.js";
import { checksumFromFile, ChecksumFileError } from "./checksum-file.js";

/** Packer's ISOConfig: where the installation medium comes from and how to verify it. */
export interface IsoConfig {
  isoUrls: string[];
  /** `none`, or `type:hex`; a `file:` checksum is resolved to its value when it is local. */
  isoChecksum: string;
  isoTargetPath?: string;
  isoTargetExtension: string;
}

const HASH_LENGTHS: Record<string, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };
const TYPE_BY_LENGTH: Record<number, string> = { 32: "md5", 40: "sha1", 64: "sha256", 128: "sha512" };

/** Packer's ISOConfig warning for `iso_checksum: "none"` (also what iso_skip_cache sets). */
export const ISO_CHECKSUM_NONE_WARNING = "A checksum of 'none' was specified. Since ISO files are so big,\na checksum is highly recommended.";

export function readIsoConfig(r: ConfigReader, cwd: string, opts: { skipCache?: boolean; warn?: (text: string) => void } = {}): IsoConfig {
  const single = r.string("iso_url", "");
  const list = r.stringList("iso_urls");
  let checksum = r.string("iso_checksum", "");
  const isoTargetPath = r.string("iso_target_path") || undefined;
  const isoTargetExtension = r.string("iso_target_extension", "iso").toLowerCase();
  if (opts.skipCache) checksum = "none";
  const config: IsoConfig = { isoUrls: single ? [single, ...list] : list, isoChecksum: checksum, isoTargetPath, isoTargetExtension };
  if (single && list.length > 0) {
    r.problem("iso_urls", "Only one of iso_url or iso_urls must be specified");
    return config;
  }
  if (config.isoUrls.length === 0) {
    r.problem("iso_url", "One of iso_url or iso_urls must be specified");
    return config;
  }
  if (checksum === "none") {
    opts.warn?.(ISO_CHECKSUM_NONE_WARNING);
    return config;
  }
  if (checksum === "") {
    r.problem("iso_checksum", "A checksum must be specified");
    return config;
  }
  const colon = checksum.indexOf(":");
  const type = colon >= 0 ? checksum.slice(0, colon).toLowerCase() : TYPE_BY_LENGTH[checksum.length];
  const value = colon >= 0 ? checksum.slice(colon + 1) : checksum;
  if (type === "file") {
    try {
      const resolved = checksumFromFile(value, config.isoUrls[0], cwd);
      if (resolved) config.isoChecksum = resolved.checksum;
    } catch (e) {
      if (!(e instanceof ChecksumFileError)) throw e;
      r.problem("iso_checksum", `${e.message} in "${checksum}"`);
    }
    return config;
  }
  if (!type || !HASH_LENGTHS[type]) {
    r.problem("iso_checksum", `invalid checksum type '${colon >= 0 ? type : ""}' in "${checksum}": use md5:, sha1:, sha256:, sha512:, file: or none`);
  } else if (!/^[0-9a-fA-F]+$/.test(value) || value.length !== HASH_LENGTHS[type]) {
    r.problem("iso_checksum", `invalid ${type} checksum "${value}": expected ${HASH_LENGTHS[type]} hex digits`);
  } else config.isoChecksum = `${type}:${value.toLowerCase()}`;
  return config;
}
