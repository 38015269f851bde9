/**
 * The controller's periodic duties over builds, all reading the build index (a KV watch, see
 * build-index.ts) rather than every build record every time:
 * - jobs that wait too long for a capable agent fail ("no agent with: qemu within 1h");
 * - jobs whose record was written but whose message never went out (the controller died between
 *   the two) fail instead of staying queued forever;
 * - finished builds past the retention lose their records, output and artifacts;
 * - the delete markers their records leave are removed once every controller has seen them;
 * - template bundles no build record names any more are deleted from the object store.
 * dropJob's compare-and-set keeps several controllers (and an agent taking the job at the last
 * moment) from stepping on each other.
 */
import { presentAgents, agentCanRun, waitingReason } from "./agents.js";
import type { ControllerContext } from "./context.js";
import { dropJob } from "./drop-job.js";
import type { BuildIndex } from "./build-index.js";
import { formatGoDuration } from "../shared/template/index.js";
import type { ObjectStore } from "@nats-io/obj";
import { ARTIFACTS_STORE, BUILD_OUTPUT_STREAM, BUILDS_BUCKET, BUNDLES_STORE, buildKey, buildOutputFilter, jobKey, jobSpecObjectName, purgeObject, reasonOf, removeMarker, removeRecords } from "../shared/bus/index.js";
import { forEachConcurrently } from "../shared/concurrently.js";
import { sleep } from "../shared/sleep.js";

/**
 * A job record without a queue sequence this long after submission was never published (submit
 * publishes within its 20 s deadline, or fails the job itself).
 */
export const UNQUEUED_GRACE_MS = 60_000;

export async function failJobsWaitingTooLong(ctx: ControllerContext, index: BuildIndex, now = Date.now(), signal?: AbortSignal): Promise<number> {
  const waiting = index.unfinished().filter((b) => b.record.waitTimeoutMs > 0 && now - Date.parse(b.record.submittedAt) >= b.record.waitTimeoutMs);
  if (waiting.length === 0) return 0;
  const agents = await presentAgents(ctx.bus, ctx.log);
  let failed = 0;
  for (const build of waiting) {
    for (const job of build.jobs.values()) {
      if (signal?.aborted) return failed;
      if (job.state !== "queued" || agents.some((a) => agentCanRun(a, job))) continue;
      const reason = `${waitingReason(job)} for ${formatGoDuration(build.record.waitTimeoutMs)} (the build's wait timeout): no such agent joined the farm`;
      if (await dropJob(ctx, { buildId: build.id, jobIndex: job.jobIndex, state: "failed", error: reason })) failed++;
    }
  }
  return failed;
}

/** Fails queued jobs that never got a queue sequence within UNQUEUED_GRACE_MS of their submission. */
export async function failUnqueuedJobs(ctx: ControllerContext, index: BuildIndex, now = Date.now(), signal?: AbortSignal): Promise<number> {
  let failed = 0;
  for (const build of index.unfinished()) {
    if (now - Date.parse(build.record.submittedAt) < UNQUEUED_GRACE_MS) continue;
    for (const job of build.jobs.values()) {
      if (signal?.aborted) return failed;
      if (job.state !== "queued" || job.queueSequence !== undefined) continue;
      const error = "the controller stopped between recording this job and queueing it: submit the build again";
      if (await dropJob(ctx, { buildId: build.id, jobIndex: job.jobIndex, state: "failed", error })) failed++;
    }
  }
  return failed;
}

/**
 * Removes builds finished more than `retentionMs` ago (0: keep forever): their output on the
 * stream, their artifact files, then their records (records last, so a failure half-way leaves
 * the build findable and the next sweep finishes the job). A record leaves a delete marker (about
 * 100 bytes) behind: that is how every controller's index watch learns the build is gone.
 */
export async function expireFinishedBuilds(ctx: ControllerContext, index: BuildIndex, retentionMs: number, now = Date.now(), signal?: AbortSignal): Promise<number> {
  if (retentionMs <= 0) return 0;
  let expired = 0;
  const due = index.finished().filter(({ finishedAt }) => now - finishedAt >= retentionMs);
  await forEachConcurrently(due, SWEEP_REQUESTS_IN_FLIGHT, async ({ build, finishedAt }) => {
    await ctx.bus.jsm.streams.purge(BUILD_OUTPUT_STREAM, { filter: buildOutputFilter(build.id) });
    for (const [jobIndex, job] of build.jobs) {
      for (const file of job.artifacts.flatMap((a) => a.files)) await removeObject(ctx, ctx.bus.artifacts, ARTIFACTS_STORE, file.object);
      // A spec too big for its job message was sealed into the bundles store (most jobs have none).
      if (job.specStored) await deleteStoredSpec(ctx, build.id, jobIndex);
    }
    const markers = await removeRecords(ctx.bus.builds, [...[...build.jobs.keys()].map((i) => jobKey(build.id, i)), buildKey(build.id)]);
    // A build record written again since (a cancel racing the expiry) keeps the build; a late agent's job record does not.
    if (markers.some((m) => m.key === buildKey(build.id))) index.forgetRemoved(build.id, markers);
    ctx.log.info("build expired", { build: build.id, finishedAt: new Date(finishedAt).toISOString(), retention: formatGoDuration(retentionMs) });
    expired++;
  }, signal);
  return expired;
}

/**
 * Builds (or bundles) a sweep works on at once. One at a time, expiring builds in a 30-minute
 * bench/soak at ~8 builds/s on a loaded 3-node cluster (some seven JetStream requests each, each
 * a raft round) fell behind after ~15 minutes, and the stored messages climbed from 26,000 to
 * 45,000 instead of staying flat.
 */
const SWEEP_REQUESTS_IN_FLIGHT = 16;

/**
 * How long the delete markers of an expired build's records stay. A marker is one message per key
 * kept in the KV stream for good (at 10 builds/s some twenty a second, on every NATS node, in
 * memory and on disk: bench/soak's NATS memory grew with every build ever expired). Every
 * controller's index watch sees a marker within seconds; one whose watch was away longer than
 * this still holds the build as finished past its retention, expires it again and sees that
 * new marker.
 */
export const MARKER_TTL_MS = 5 * 60_000;
/** Builds whose markers one sweep round removes: a backlog (a farm of before this) goes a bit at a time. */
const MARKER_BUILDS_PER_ROUND = 200;

/**
 * Removes the markers of builds whose newest marker is older than MARKER_TTL_MS, each by its
 * stream sequence (shared/bus/records.ts removeMarker says why not a purge): a record written
 * after one, by a late agent, is not touched. Returns how many messages went.
 */
export async function removeOldMarkers(ctx: ControllerContext, index: BuildIndex, now = Date.now(), signal?: AbortSignal): Promise<number> {
  let removed = 0;
  await forEachConcurrently(index.markersWrittenBefore(now - MARKER_TTL_MS).slice(0, MARKER_BUILDS_PER_ROUND), SWEEP_REQUESTS_IN_FLIGHT, async ({ id, revisions }) => {
    for (const r of revisions) if (await removeMarker(ctx.bus.jsm, BUILDS_BUCKET, r)) removed++;
    index.forgetMarkers(id, revisions);
  }, signal);
  return removed;
}

/**
 * A bundle no record names is deleted once it was stored at least this long ago, so a submission
 * that has just stored its bundle and not yet written the record naming it keeps it. A submission
 * that found its bundle stored and then wrote its record (seconds apart at most) may see it
 * deleted in between: it stores it again before its jobs go out (submit-build's keepBundle).
 * How long this controller has seen a bundle unnamed is not asked: that clock restarted with
 * every controller restart, and in bench/soak (a controller killed every minute) no bundle was
 * ever deleted (OBJ_kiln_bundles: 19,280 messages after 20 minutes, one object a build).
 */
export const UNUSED_BUNDLE_GRACE_MS = 5 * 60_000;
/** How often the bundles store is listed for bundles no record names. */
export const BUNDLE_SWEEP_EVERY_MS = 60_000;
const SHA256_NAME = /^[0-9a-f]{64}$/;

/**
 * Deletes the template bundles (objects named by their sha256) that no build the index holds
 * names and that were stored more than UNUSED_BUNDLE_GRACE_MS ago: every submission stored one.
 * Returns undefined, deleting nothing, before the index is complete or while an unfinished
 * build's record names no bundle (made before records did). Sealed job specs have their own
 * names and lives.
 */
export async function removeUnusedBundles(ctx: ControllerContext, index: BuildIndex, now = Date.now(), signal?: AbortSignal): Promise<number | undefined> {
  if (!index.isComplete || index.unfinishedWithoutBundle()) return undefined;
  const stored = (await ctx.bus.bundles.list()).filter((info) => SHA256_NAME.test(info.name));
  const due = stored.filter((info) => !index.bundleNamed(info.name) && now - Date.parse(info.mtime) >= UNUSED_BUNDLE_GRACE_MS);
  let removed = 0;
  await forEachConcurrently(due, SWEEP_REQUESTS_IN_FLIGHT, async (info) => {
    // Named meanwhile by a build the watch just brought in: kept.
    if (index.bundleNamed(info.name) || index.unfinishedWithoutBundle()) return;
    await purgeObject(ctx.bus.jsm, BUNDLES_STORE, info);
    ctx.bundles.forgetStored(info.name);
    ctx.log.info("unused bundle deleted", { bundle: info.name, stored: info.mtime });
    removed++;
  }, signal);
  return removed;
}

/**
 * Deletes the sealed specs of builds that finished (a finished job is never delivered again, so
 * its spec is no longer needed): they go when the build finishes, not days later at expiry.
 * `done` holds the finished builds already handled by this controller; after a restart each
 * finished build with a stored spec is looked at once more (one object-info request per job).
 */
export async function removeFinishedJobSpecs(ctx: ControllerContext, index: BuildIndex, done: Set<string>, signal?: AbortSignal): Promise<number> {
  let removed = 0;
  const finished = index.finished();
  // Forget builds that expired: `done` stays as big as the builds kept, not every build ever made.
  const kept = new Set(finished.map(({ build }) => build.id));
  for (const id of done) if (!kept.has(id)) done.delete(id);
  for (const { build } of finished) {
    if (signal?.aborted) break;
    if (done.has(build.id)) continue;
    for (const [jobIndex, job] of build.jobs) {
      if (job.specStored && (await deleteStoredSpec(ctx, build.id, jobIndex))) removed++;
    }
    done.add(build.id);
  }
  return removed;
}

/** Deletes a job's sealed spec from the bundles store; false when it was not there. */
async function deleteStoredSpec(ctx: ControllerContext, buildId: string, jobIndex: number): Promise<boolean> {
  return removeObject(ctx, ctx.bus.bundles, BUNDLES_STORE, jobSpecObjectName(buildId, jobIndex));
}

/**
 * Removes an object without leaving a "deleted" marker (shared/bus/object-purge.ts); false when
 * there was no object. A marker left by an earlier delete is removed too.
 */
async function removeObject(ctx: ControllerContext, store: ObjectStore, bucket: string, name: string): Promise<boolean> {
  const info = await store.info(name);
  if (!info) return false;
  await purgeObject(ctx.bus.jsm, bucket, info);
  return !info.deleted;
}

/** An unfinished build the index has heard nothing of for this long has its job records read again (BuildIndex.refreshQuiet). */
export const QUIET_BUILD_REREAD_MS = 60_000;

/**
 * Runs the duties every `intervalMs` until stopped; each duty's failure is logged and the others
 * still run (a purge timing out on a loaded cluster used to skip the marker removal and the bundle
 * sweep of its round), and the next round tries again. One round at a time, the next `intervalMs`
 * after the last ended: during a NATS outage, rounds that each wait for a request timeout must not
 * queue up behind each other (a stop used to wait for all of them). Stopping aborts the round
 * under way between builds.
 */
export function sweepWaitingJobs(ctx: ControllerContext, index: BuildIndex, intervalMs: number): { stop(): Promise<void> } {
  const stopped = new AbortController();
  const signal = AbortSignal.any([stopped.signal, ctx.stopping]);
  const specsRemoved = new Set<string>();
  let bundlesSweptAt = 0;
  const duties: Array<[name: string, duty: () => Promise<unknown>]> = [
    ["re-reading builds long quiet", () => index.refreshQuiet(QUIET_BUILD_REREAD_MS, Date.now(), signal)],
    ["failing jobs that waited too long", () => failJobsWaitingTooLong(ctx, index, Date.now(), signal)],
    ["failing jobs never queued", () => failUnqueuedJobs(ctx, index, Date.now(), signal)],
    ["removing finished jobs' specs", () => removeFinishedJobSpecs(ctx, index, specsRemoved, signal)],
    ["expiring finished builds", () => expireFinishedBuilds(ctx, index, ctx.settings.retentionMs, Date.now(), signal)],
    ["removing old markers", () => removeOldMarkers(ctx, index, Date.now(), signal)],
    [
      "deleting unused bundles",
      async () => {
        if (Date.now() - bundlesSweptAt < BUNDLE_SWEEP_EVERY_MS) return;
        // A round that could not sweep (the index still loading after a restart) is tried again
        // next round, not a minute later.
        if ((await removeUnusedBundles(ctx, index, Date.now(), signal)) !== undefined) bundlesSweptAt = Date.now();
      },
    ],
  ];
  const loop = (async () => {
    while (!signal.aborted) {
      await sleep(intervalMs, signal);
      for (const [name, duty] of duties) {
        if (signal.aborted) break;
        try {
          await duty();
        } catch (e) {
          if (!signal.aborted) ctx.log.warn("sweep duty failed; tried again next round", { duty: name, reason: reasonOf(e) });
        }
      }
    }
  })();
  return {
    async stop() {
      stopped.abort();
      await loop;
    },
  };
}
