/**
 * `kiln build -resume` for one local run: fingerprints the builds, answers the ones an earlier
 * build already made (printing what it reuses), and remembers every build that succeeds, with or
 * without -resume, so the next -resume can skip it.
 */
import { dirname } from "node:path";
import type { Artifact } from "../../agent/runner/artifact.js";
import type { BuildOutcome } from "../../agent/runner/build.js";
import { buildUi, type OutputSink } from "../../agent/runner/ui.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import { buildFingerprint, type DigestCache } from "../../shared/plan/fingerprint/index.js";
import { LocalFingerprintStore, localStoreFolder } from "./local-store.js";

export class ResumeRun {
  private constructor(
    private readonly store: LocalFingerprintStore,
    private readonly digests: DigestCache,
    private readonly workDir: string,
  ) {}

  static async open(env: NodeJS.ProcessEnv, cwd: string): Promise<ResumeRun> {
    const store = new LocalFingerprintStore(localStoreFolder(env, cwd));
    return new ResumeRun(store, await store.digests(), cwd);
  }

  fingerprint(spec: BuildSpec): Promise<string> {
    return buildFingerprint(spec, dirname(spec.template.path), this.digests);
  }

  /** The specs still to run; each reusable one becomes a finished outcome in `outcomes`. */
  async withoutReusable(specs: readonly BuildSpec[], sink: OutputSink, outcomes: BuildOutcome[]): Promise<BuildSpec[]> {
    const toRun: BuildSpec[] = [];
    for (const spec of specs) {
      const ui = buildUi(sink, spec.name);
      const found = await this.store.lookup(await this.fingerprint(spec), this.workDir);
      if (!found.reusable) {
        ui.say(`Building: ${found.why} (-resume)`);
        toRun.push(spec);
        continue;
      }
      for (const a of found.record.artifacts) ui.say(`reusing ${a.description} from build ${found.record.runId} (same fingerprint)`);
      outcomes.push({ name: spec.name, artifacts: found.record.artifacts, cancelled: false, durationMs: 0 });
    }
    return toRun;
  }

  async remember(spec: BuildSpec, artifacts: Artifact[]): Promise<void> {
    try {
      await this.store.save(await this.fingerprint(spec), spec.name, spec.runUuid, this.workDir, artifacts);
    } catch {
      // Remembering is for a later -resume; a read-only cache folder must not fail this build.
    }
  }

  async close(): Promise<void> {
    await this.store.saveDigests(this.digests).catch(() => undefined);
  }
}
