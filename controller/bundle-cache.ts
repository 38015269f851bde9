/**
 * Submissions of the same template (a CI pipeline's every run) send the same bundle. The
 * controller extracts each distinct bundle once, keeps the folder for the next submissions with
 * the same sha256, and remembers which bundles the object store already holds: a submission then
 * costs planning and queueing, not a tar extraction, a folder removal and a store lookup. Planning
 * only reads the folder, so sharing it is safe.
 */
import { rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { extractBundle } from "../shared/bundle/index.js";
import type { ScratchFolder } from "./scratch-folder.js";

interface Entry {
  dir: Promise<string>;
  storedInObjectStore: boolean;
  lastUsed: number;
}

export class BundleCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly scratch: ScratchFolder,
    private readonly maxEntries = 32,
  ) {}

  /** The extracted folder of this bundle (extracting it now if it is new). Rejects like extractBundle. */
  async folder(sha256: string, openBundle: () => Readable, maxBytes: number): Promise<string> {
    let entry = this.entries.get(sha256);
    if (!entry) {
      const dir = (async () => {
        const d = await this.scratch.mkdtemp("bundle-");
        try {
          await extractBundle(openBundle(), d, { maxBytes });
        } catch (e) {
          await rm(d, { recursive: true, force: true });
          throw e;
        }
        return d;
      })();
      entry = { dir, storedInObjectStore: false, lastUsed: Date.now() };
      this.entries.set(sha256, entry);
      dir.catch(() => this.entries.delete(sha256));
      await this.evict();
    }
    entry.lastUsed = Date.now();
    return entry.dir;
  }

  isStored(sha256: string): boolean {
    return this.entries.get(sha256)?.storedInObjectStore ?? false;
  }

  markStored(sha256: string): void {
    const entry = this.entries.get(sha256);
    if (entry) entry.storedInObjectStore = true;
  }

  /** The bundle sweep deleted it from the object store (this controller's sweep; another's is caught by submit's keepBundle). */
  forgetStored(sha256: string): void {
    const entry = this.entries.get(sha256);
    if (entry) entry.storedInObjectStore = false;
  }

  /** Removes every extracted folder (controller stop). */
  async clear(): Promise<void> {
    const dirs = [...this.entries.values()].map((e) => e.dir);
    this.entries.clear();
    await Promise.all(dirs.map(async (d) => rm(await d.catch(() => ""), { recursive: true, force: true })));
  }

  private async evict(): Promise<void> {
    while (this.entries.size > this.maxEntries) {
      const [oldest] = [...this.entries.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed);
      this.entries.delete(oldest[0]);
      // A submission still planning in it keeps its own reference; planning is synchronous, so
      // by the time this runs no plan reads a folder that is older than the newest entries.
      await rm(await oldest[1].dir.catch(() => ""), { recursive: true, force: true });
    }
  }
}
