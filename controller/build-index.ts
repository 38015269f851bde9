/**
 * What the controller's duties need to know about builds, kept up to date by a KV watch on
 * `kiln_builds` instead of listing and reading every build ever made on every sweep: the builds
 * still unfinished (wait timeouts, jobs never queued), and when each finished build finished
 * (expiry). The watch reads every record once at start and then only changes; it is made again
 * from the last revision seen when NATS restarts under it.
 */
import type { KvWatchEntry } from "@nats-io/kv";
import { BUILDS_BUCKET, BusDecodeError, decodeBuildRecord, decodeJobRecord, jobKey, kvStreamName, reasonOf, type BuildRecord, type JobRecord, type StoredRecord } from "../shared/bus/index.js";
import { forEachConcurrently } from "../shared/concurrently.js";
import { sleep } from "../shared/sleep.js";
import { allJobsFinished } from "./build-view.js";
import type { ControllerContext } from "./context.js";

/** Records refreshQuiet reads at once. */
const SWEEP_READS_IN_FLIGHT = 16;

export interface IndexedBuild {
  id: string;
  /** Undefined until the build record is seen (jobs are written first). */
  record?: BuildRecord;
  jobs: Map<number, JobRecord>;
  /** Index → the KV revision of the record in `jobs`. */
  jobRevisions: Map<number, number>;
}

/** The delete (or, from older farms, purge) markers among a build's keys, and when the newest was written. */
export interface BuildMarkers {
  /** The build's id as its keys spell it (a subject token). */
  id: string;
  /** Every marker's KV revision (its stream sequence): removeOldMarkers deletes them one by one. */
  revisions: number[];
  writtenAt: number;
}

export class BuildIndex {
  private readonly builds = new Map<string, IndexedBuild>();
  /** Builds whose keys are delete or purge markers (expired, or removed): removeOldMarkers deletes the markers once old. */
  private readonly markers = new Map<string, BuildMarkers>();
  /** Bundle sha256 → the builds whose record names it (kept by apply: the bundle sweep asks once per bundle). */
  private readonly bundleBuilds = new Map<string, Set<string>>();
  /** Builds whose record names no bundle (made before records did). */
  private readonly withoutBundle = new Set<string>();
  /** When the index last learnt something of each build (ms since the epoch): refreshQuiet re-reads the long-quiet ones. */
  private readonly heardAt = new Map<string, number>();
  private lastRevision = 0;
  /** Set once the watch has delivered every record there was when it started (deletions are only safe after). */
  private complete = false;
  private readonly stopped = new AbortController();
  private readonly loop: Promise<void>;

  constructor(private readonly ctx: ControllerContext) {
    this.loop = this.follow();
  }

  /** Builds with a record and a job not finished yet. */
  unfinished(): Array<IndexedBuild & { record: BuildRecord }> {
    return [...this.builds.values()].flatMap((b) => (b.record && !allJobsFinished(b.record, [...b.jobs.values()]) ? [{ ...b, record: b.record }] : []));
  }

  /** Finished builds and when their last job finished (ms since the epoch). */
  finished(): Array<{ build: IndexedBuild & { record: BuildRecord }; finishedAt: number }> {
    return [...this.builds.values()].flatMap((b) => {
      if (!b.record || !allJobsFinished(b.record, [...b.jobs.values()])) return [];
      const finishedAt = Math.max(Date.parse(b.record.submittedAt), ...[...b.jobs.values()].map((j) => (j.finishedAt ? Date.parse(j.finishedAt) : 0)));
      return [{ build: { ...b, record: b.record }, finishedAt }];
    });
  }

  /**
   * This controller removed the build's records, leaving `markers`: the index forgets the build and
   * lists the markers at once, as its watch will a moment later. A sweep round that comes before
   * the watch (a loaded controller) would otherwise expire the build again. When records were
   * removed with purges (nats-server#3838, see shared/bus/records.ts removeRecords), the watch
   * missed most markers and soak builds were expired up to 29 times each.
   */
  forgetRemoved(id: string, markers: readonly { revision: number; created: Date }[]): void {
    for (const m of markers) this.noteMarker(id, m.revision, m.created);
    this.dropBuild(id);
  }

  /** Succeeded jobs with this fingerprint that were built (not themselves reused), newest first. */
  succeededWithFingerprint(fingerprint: string): JobRecord[] {
    const found: JobRecord[] = [];
    for (const b of this.builds.values()) {
      for (const j of b.jobs.values()) if (j.fingerprint === fingerprint && j.state === "succeeded" && !j.reusedFrom) found.push(j);
    }
    return found.sort((a, b) => Date.parse(b.finishedAt ?? "") - Date.parse(a.finishedAt ?? ""));
  }

  /** Every build with a record (metrics and the web console's lists read these, not NATS). */
  all(): Array<IndexedBuild & { record: BuildRecord }> {
    return [...this.builds.values()].flatMap((b) => (b.record ? [{ ...b, record: b.record }] : []));
  }

  /** Whether the build's record asks for cancel; undefined when the index has no record of it yet. */
  buildCancelled(buildId: string): boolean | undefined {
    return this.builds.get(buildId)?.record?.cancelRequested;
  }

  /** One job's record, if the index has it. */
  job(buildId: string, jobIndex: number): JobRecord | undefined {
    return this.builds.get(buildId)?.jobs.get(jobIndex);
  }

  /**
   * One job's record with its KV revision, if the index has it. An entry's value at a revision
   * never changes, so a compare-and-set on this revision is as safe as one on a fresh read: if
   * the record moved on meanwhile, the write loses.
   */
  storedJob(buildId: string, jobIndex: number): StoredRecord<JobRecord> | undefined {
    const build = this.builds.get(buildId);
    const record = build?.jobs.get(jobIndex);
    const revision = build?.jobRevisions.get(jobIndex);
    return record && revision !== undefined ? { record, revision } : undefined;
  }

  /**
   * A job record this controller has just written (before its watch brings it back): the next
   * write to it skips a read. Older than what the index holds, it is ignored.
   */
  noteJobWritten(buildId: string, jobIndex: number, record: JobRecord, revision: number): void {
    const build = this.builds.get(buildId);
    if (!build || (build.jobRevisions.get(jobIndex) ?? 0) >= revision) return;
    build.jobs.set(jobIndex, record);
    build.jobRevisions.set(jobIndex, revision);
    this.heardAt.set(buildId, Date.now());
  }

  /**
   * Re-reads the job records of unfinished builds the index has learnt nothing of for `quietMs`,
   * and takes any newer revision: a safety net for a watch that missed a record. Before records
   * and markers were removed without purges (shared/bus/records.ts), two bench/soak builds whose
   * one job finished within ~30 ms of being queued stayed "running" in the index for good, their
   * agents having recorded them succeeded. A build is read at most once
   * per `quietMs`; a long build (nothing to record while it runs) costs a read a job that often.
   * Returns how many records were newer.
   */
  async refreshQuiet(quietMs: number, now = Date.now(), signal?: AbortSignal): Promise<number> {
    const quiet = this.unfinished().filter((b) => now - (this.heardAt.get(b.id) ?? 0) >= quietMs);
    let newer = 0;
    await forEachConcurrently(quiet, SWEEP_READS_IN_FLIGHT, async (b) => {
      this.heardAt.set(b.id, now);
      for (let jobIndex = 0; jobIndex < b.record.jobCount; jobIndex++) {
        const entry = await this.ctx.bus.builds.get(jobKey(b.id, jobIndex));
        const build = this.builds.get(b.id);
        if (build && entry?.operation === "PUT" && this.decoded(entry, () => this.takeJob(build, jobIndex, entry))) newer++;
      }
    }, signal);
    return newer;
  }

  /** Builds whose newest marker was written before `before` (ms since the epoch), oldest first. */
  markersWrittenBefore(before: number): BuildMarkers[] {
    return [...this.markers.values()].filter((m) => m.writtenAt < before).sort((a, b) => a.writtenAt - b.writtenAt);
  }

  /** These markers of `id` are gone from the stream (others, noted since, stay listed). */
  forgetMarkers(id: string, removed: readonly number[]): void {
    const known = this.markers.get(id);
    if (!known) return;
    const left = known.revisions.filter((r) => !removed.includes(r));
    if (left.length === 0) this.markers.delete(id);
    else this.markers.set(id, { ...known, revisions: left });
  }

  /**
   * Whether the index holds every record there was when its watch started: until then a build
   * missing from it may exist, and nothing may be deleted for not being named by any.
   */
  get isComplete(): boolean {
    return this.complete;
  }

  /**
   * Whether a build whose record names no bundle (made before records did) has an unfinished
   * job: which bundles it needs is unknown, so none may be deleted. Jobs without a build record
   * (a submission between writing its jobs and its record, a late agent's write after expiry)
   * name nothing: a submission checks its bundle again once its record is written.
   */
  unfinishedWithoutBundle(): boolean {
    for (const id of this.withoutBundle) {
      const b = this.builds.get(id);
      if (b?.record && !allJobsFinished(b.record, [...b.jobs.values()])) return true;
    }
    return false;
  }

  /** Whether a build other than `buildId` names this bundle. */
  bundleNamedByAnother(sha256: string, buildId: string): boolean {
    const named = this.bundleBuilds.get(sha256);
    return named !== undefined && (named.size > 1 || !named.has(buildId));
  }

  /** Whether a build record the index holds names this bundle. */
  bundleNamed(sha256: string): boolean {
    return this.bundleBuilds.has(sha256);
  }

  /** How many builds the index holds (for tests and logs). */
  get size(): number {
    return this.builds.size;
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.loop;
  }

  private async follow(): Promise<void> {
    const signal = AbortSignal.any([this.stopped.signal, this.ctx.stopping]);
    while (!signal.aborted) {
      try {
        // An empty bucket delivers nothing to say the watch is complete: ask first.
        if (!this.complete && (await this.ctx.bus.jsm.streams.info(kvStreamName(BUILDS_BUCKET))).state.messages === 0) this.complete = true;
        const watch = await this.ctx.bus.builds.watch(this.lastRevision > 0 ? { resumeFromRevision: this.lastRevision + 1 } : {});
        const onAbort = (): void => watch.stop();
        signal.addEventListener("abort", onAbort, { once: true });
        try {
          for await (const entry of watch) this.apply(entry);
        } finally {
          signal.removeEventListener("abort", onAbort);
        }
      } catch (e) {
        if (!signal.aborted) this.ctx.log.warn("build index watch failed; watching again", { after: this.lastRevision, reason: reasonOf(e) });
      }
      await sleep(500, signal);
    }
  }

  private apply(entry: KvWatchEntry): void {
    this.lastRevision = Math.max(this.lastRevision, entry.revision);
    if (entry.delta === 0) this.complete = true;
    const [kind, id, index] = entry.key.split(".");
    if (id === undefined) return;
    if (entry.operation !== "PUT") {
      this.noteMarker(id, entry.revision, entry.created);
      if (kind === "build") this.dropBuild(id);
      else if (kind === "job") {
        this.builds.get(id)?.jobs.delete(Number(index));
        this.builds.get(id)?.jobRevisions.delete(Number(index));
      }
      return;
    }
    this.decoded(entry, () => {
      const build = this.builds.get(id) ?? { id, jobs: new Map<number, JobRecord>(), jobRevisions: new Map<number, number>() };
      if (kind === "build") this.setRecord(id, decodeBuildRecord(entry.value, entry.key), build);
      else if (kind === "job") {
        // noteJobWritten may have put a newer revision already.
        if (!this.takeJob(build, Number(index), entry)) return false;
      } else return false;
      this.builds.set(id, build);
      this.heardAt.set(id, Date.now());
      return true;
    });
  }

  /** Runs `take` on a record's entry; an undecodable record is logged and skipped (false), as a watch and a re-read both do. */
  private decoded(entry: { key: string }, take: () => boolean): boolean {
    try {
      return take();
    } catch (e) {
      if (!(e instanceof BusDecodeError)) throw e;
      this.ctx.log.warn("build index skips an undecodable record", { key: entry.key, reason: e.reason });
      return false;
    }
  }

  /** A delete or purge marker among the build's keys, listed for removeOldMarkers. */
  private noteMarker(id: string, revision: number, created: Date): void {
    const known = this.markers.get(id);
    if (known?.revisions.includes(revision)) return;
    this.markers.set(id, {
      id,
      revisions: [...(known?.revisions ?? []), revision],
      writtenAt: Math.max(known?.writtenAt ?? 0, created.getTime()),
    });
  }

  /** The build's record is gone: the build leaves the index. */
  private dropBuild(id: string): void {
    this.setRecord(id, undefined);
    this.builds.delete(id);
    this.heardAt.delete(id);
  }

  /** A job record read at `entry.revision`, taken unless the index holds that revision or a newer one; whether it was taken. */
  private takeJob(build: IndexedBuild, jobIndex: number, entry: { key: string; value: Uint8Array; revision: number }): boolean {
    if ((build.jobRevisions.get(jobIndex) ?? 0) >= entry.revision) return false;
    build.jobs.set(jobIndex, decodeJobRecord(entry.value, entry.key));
    build.jobRevisions.set(jobIndex, entry.revision);
    return true;
  }

  /** Sets (or, undefined, drops) a build's record, keeping the bundle map in step. */
  private setRecord(id: string, record: BuildRecord | undefined, build = this.builds.get(id)): void {
    const before = build?.record?.bundle;
    if (before !== undefined) {
      const named = this.bundleBuilds.get(before);
      named?.delete(id);
      if (named?.size === 0) this.bundleBuilds.delete(before);
    }
    this.withoutBundle.delete(id);
    if (build) build.record = record;
    if (!record) return;
    if (record.bundle === undefined) this.withoutBundle.add(id);
    else {
      const named = this.bundleBuilds.get(record.bundle) ?? new Set<string>();
      named.add(id);
      this.bundleBuilds.set(record.bundle, named);
    }
  }
}
