// Public face of ISO retrieval: download into the agent's shared cache, verify checksums.
export { downloadIso, IsoDownloadError, type IsoDownloadOptions, type IsoDownloadResult } from "./download.js";
export { ChecksumError, resolveChecksum, type ExpectedChecksum } from "./checksum.js";
