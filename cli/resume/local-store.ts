/**
 * Where a local `kiln build` remembers which fingerprint produced which artifacts: one JSON file
 * per fingerprint under $KILN_CACHE_DIR/kiln-fingerprints, else the user's cache folder
 * ($XDG_CACHE_HOME or ~/.cache)/kiln/fingerprints — never the project folder, which a build
 * without -resume must not litter. Written after every successful build, read by `kiln build -resume`.
 * A record is reused only while every file of its artifacts is still there, unchanged in size and
 * time; artifacts with no files (an image id in an engine, an AMI) cannot be checked from here,
 * so their builds run again.
 */
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Artifact } from "../../agent/runner/artifact.js";
import { FINGERPRINT_VERSION, type DigestCache } from "../../shared/plan/fingerprint/index.js";

export interface FingerprintRecord {
  version: number;
  fingerprint: string;
  build: string;
  /** The run that made it (PACKER_RUN_UUID): "build <id>" in messages. */
  runId: string;
  finishedAt: string;
  /** Relative artifact paths resolve here. */
  workDir: string;
  artifacts: Artifact[];
  files: Array<{ path: string; size: number; mtimeMs: number }>;
}

export type Lookup = { reusable: true; record: FingerprintRecord } | { reusable: false; why: string };

export function localStoreFolder(env: NodeJS.ProcessEnv, cwd: string): string {
  if (env.KILN_CACHE_DIR) return join(resolve(cwd, env.KILN_CACHE_DIR), "kiln-fingerprints");
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache"), "kiln", "fingerprints");
}

export class LocalFingerprintStore {
  constructor(private readonly folder: string) {}

  async lookup(fingerprint: string, workDir: string): Promise<Lookup> {
    let record: FingerprintRecord;
    try {
      record = JSON.parse(await readFile(this.file(fingerprint), "utf8")) as FingerprintRecord;
    } catch {
      return { reusable: false, why: "no earlier build with this fingerprint" };
    }
    if (record.version !== FINGERPRINT_VERSION || record.fingerprint !== fingerprint) return { reusable: false, why: "the record is from another Kiln version" };
    if (record.workDir !== workDir) return { reusable: false, why: `the earlier build ran in ${record.workDir}` };
    if (record.files.length === 0) return { reusable: false, why: "its artifact has no files Kiln can check still exist" };
    for (const f of record.files) {
      const now = await stat(f.path).catch(() => undefined);
      if (!now) return { reusable: false, why: `${f.path} is gone` };
      if (now.size !== f.size || now.mtimeMs !== f.mtimeMs) return { reusable: false, why: `${f.path} changed since` };
    }
    return { reusable: true, record };
  }

  async save(fingerprint: string, build: string, runId: string, workDir: string, artifacts: Artifact[]): Promise<void> {
    const files: FingerprintRecord["files"] = [];
    for (const a of artifacts) {
      for (const f of a.files) {
        const path = resolve(workDir, f);
        const st = await stat(path).catch(() => undefined);
        // A folder artifact (an output directory) is checked by its own stat; a missing file means
        // the artifact is not whole: keep no record rather than one that can never be trusted.
        if (!st) return;
        files.push({ path, size: st.size, mtimeMs: st.mtimeMs });
      }
    }
    const record: FingerprintRecord = { version: FINGERPRINT_VERSION, fingerprint, build, runId, finishedAt: new Date().toISOString(), workDir, artifacts, files };
    await mkdir(this.folder, { recursive: true });
    const tmp = `${this.file(fingerprint)}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(record, null, 2));
    await rename(tmp, this.file(fingerprint));
  }

  /** The digest cache of earlier runs (see DigestCache); save it back with saveDigests. */
  async digests(): Promise<DigestCache> {
    try {
      return new Map(Object.entries(JSON.parse(await readFile(join(this.folder, "digests.json"), "utf8")) as Record<string, string>));
    } catch {
      return new Map();
    }
  }

  async saveDigests(cache: DigestCache): Promise<void> {
    await mkdir(this.folder, { recursive: true });
    const tmp = join(this.folder, `digests.json.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(Object.fromEntries(cache)));
    await rename(tmp, join(this.folder, "digests.json"));
  }

  private file(fingerprint: string): string {
    return join(this.folder, `${fingerprint}.json`);
  }
}
