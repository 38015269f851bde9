/**
 * Packer's StepDownload for the qemu builder: `iso_url`/`iso_urls` are fetched (http, https) into
 * the download cache the builds of a host share, or used in place when local, and checked
 * against `iso_checksum`, both for an installer ISO and for a `disk_image`. It runs before the
 * output directory exists, so a wrong checksum leaves nothing behind (the download module keeps
 * partial files out of the cache). With `iso_skip_cache` QEMU opens the URL itself, as in Packer.
 */
import path from "node:path";
import type { IsoConfig } from "../../../shared/components/vm-config/iso.js";
import type { Step } from "../../runner/steps.js";
import { downloadIso } from "./iso-download/index.js";

export interface IsoReady {
  /** The ISO (or source disk with disk_image) on this host. */
  isoPath: string;
}

/**
 * Where downloads are cached: KILN_CACHE_DIR, else PACKER_CACHE_DIR (as Packer), else
 * `packer_cache` in the working directory (Packer's default); relative values resolve against
 * `workDir`. On an agent, RunContext.downloadCacheDir (one folder per host) comes first.
 */
export function isoCacheDir(workDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.KILN_CACHE_DIR || env.PACKER_CACHE_DIR;
  return path.resolve(workDir, configured || "packer_cache");
}

/** What the download reads of a builder's config (qemu's, virtualbox's…). */
export interface DownloadIsoConfig {
  iso: IsoConfig;
  /** qemu's `disk_image`: the "ISO" is a disk image (only the wording changes). */
  diskImage?: boolean;
  /** qemu's `iso_skip_cache`: the hypervisor opens the URL itself. */
  isoSkipCache?: boolean;
  /** What is fetched, for the messages ("OVF/OVA"); default ISO (or disk image). */
  what?: string;
}

export function stepDownloadIso(config: DownloadIsoConfig): Step<object, IsoReady> {
  return {
    name: "download iso",
    async run(ctx) {
      const what = config.what ?? (config.diskImage ? "disk image" : "ISO");
      if (config.isoSkipCache) {
        ctx.ui.say(`Using the ${what} at ${config.iso.isoUrls[0]} without caching it (iso_skip_cache)`);
        return { isoPath: config.iso.isoUrls[0]! };
      }
      ctx.ui.say(`Retrieving ${what}`);
      const got = await downloadIso({
        urls: config.iso.isoUrls,
        checksum: config.iso.isoChecksum,
        cacheDir: ctx.downloadCacheDir ?? isoCacheDir(ctx.workDir),
        targetExtension: config.iso.isoTargetExtension,
        targetPath: config.iso.isoTargetPath,
        cwd: ctx.workDir,
        signal: ctx.signal,
        say: (m) => ctx.ui.message(m),
      });
      ctx.ui.message(`${got.url} => ${got.path}`);
      return { isoPath: got.path };
    },
  };
}
