/** Template bundles: the tar.gz of a template's folder that travels from client to agent. */
export { extractBundle, writeBundleSnapshot, DEFAULT_MAX_BUNDLE_BYTES, type BundleSnapshot, type ExtractOptions, type ExtractedBundle } from "./extract.js";
export { BundleError } from "./errors.js";
export { parseByteSize, formatByteSize } from "./size.js";
