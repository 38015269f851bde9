/**
 * The controller's sweep reads the build index (a KV watch), not every build every round; it fails
 * jobs whose message never went out, removes finished builds after the retention and, later, the
 * delete markers they leave.
 */
import test, { type ExecutionContext } from "ava";
import { status } from "@grpc/grpc-js";
import { AGENTS_BUCKET, artifactObjectName, BUILD_OUTPUT_STREAM, BUILDS_BUCKET, buildEventSubject, buildKey, encode, jobKey, kvStreamName, type BuildEvent, type BuildRecord, type JobRecord } from "../../shared/bus/index.js";
import { BuildIndex } from "../../controller/build-index.js";
import type { ControllerContext } from "../../controller/context.js";
import { expireFinishedBuilds, MARKER_TTL_MS, removeOldMarkers, removeUnusedBundles, UNUSED_BUNDLE_GRACE_MS } from "../../controller/wait-timeouts.js";
import { silentLog } from "../../shared/operator-log.js";
import { State } from "../../proto/gen/kiln/v1/farm.js";
import { packTemplate, rpc, startHarness, submitRequest, waitFor } from "./farm-harness.js";

const ONE_BUILDER = JSON.stringify({ builders: [{ type: "file", name: "f", target: "out.txt", content: "x" }] });

function records(id: string, submittedAt: string, state: JobRecord["state"], queueSequence?: number): { build: BuildRecord; job: JobRecord } {
  return {
    build: { id, template: "t.json", submittedAt, jobCount: 1, jobNames: ["f"], cancelRequested: false, waitTimeoutMs: 0 },
    job: {
      buildId: id,
      jobIndex: 0,
      name: "f",
      builderType: "file",
      needs: [],
      state,
      attempts: state === "queued" ? 0 : 1,
      artifacts: [],
      ...(queueSequence !== undefined ? { queueSequence } : {}),
      ...(state === "succeeded" ? { finishedAt: submittedAt } : {}),
    },
  };
}

async function apiRequests(monitorUrl: string): Promise<number> {
  const jsz = (await (await fetch(`${monitorUrl}/jsz`)).json()) as { api: { total: number } };
  return jsz.api.total;
}

test("with 200 finished builds in the bucket, sweep rounds make no JetStream API requests (they read the index, not the bucket)", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t, { settings: { retentionMs: 0 } });
  const bus = h.controller.bus;
  const yesterday = new Date(Date.now() - 86_400_000).toISOString();
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const r = records(`old-${i}`, yesterday, "succeeded", i + 1);
      await bus.builds.put(jobKey(r.build.id, 0), encode(r.job));
      await bus.builds.put(buildKey(r.build.id), encode(r.build));
    }),
  );
  // The harness sweeps every 200 ms: ten rounds in 2 s.
  const before = await apiRequests(h.nats.monitorUrl());
  await new Promise((r) => setTimeout(r, 2_000));
  const after = await apiRequests(h.nats.monitorUrl());
  t.true(after - before <= 2, `${after - before} API requests in ten sweep rounds`);
});

test("a job recorded but never published (the controller died between) is failed by the sweep, and a follower's watch ends", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t);
  const bus = h.controller.bus;
  // What a controller killed between writing the records and publishing leaves: no queue sequence.
  const r = records("0mxunqueued-0000000000", new Date(Date.now() - 5 * 60_000).toISOString(), "queued");
  await bus.builds.put(jobKey(r.build.id, 0), encode(r.job));
  await bus.builds.put(buildKey(r.build.id), encode(r.build));
  const failed = await waitFor("the sweep to fail the unqueued job", async () => {
    const b = await rpc.getBuild(h.client, r.build.id);
    return b.state === State.STATE_FAILED ? b : undefined;
  });
  t.regex(failed.jobs[0].error, /the controller stopped between recording this job and queueing it/);
  // A job recorded just now without a sequence is left alone (its submission may still be publishing).
  const fresh = records("0mxunqueued-1111111111", new Date().toISOString(), "queued");
  await bus.builds.put(jobKey(fresh.build.id, 0), encode(fresh.job));
  await bus.builds.put(buildKey(fresh.build.id), encode(fresh.build));
  await new Promise((res) => setTimeout(res, 1_000));
  t.is((await rpc.getBuild(h.client, fresh.build.id)).state, State.STATE_QUEUED);
});

test("a finished build is removed after the retention: records, output and artifact files; an unfinished one stays", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t, { settings: { retentionMs: 1_000 } });
  const bus = h.controller.bus;
  const submit = async (): Promise<string> => (await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })))).build!.id;
  const done = await submit();
  const running = await submit();
  const object = artifactObjectName(done, 0, 1, "out.txt");
  await bus.artifacts.putBlob({ name: object }, new TextEncoder().encode("x"));
  const entry = (await bus.builds.get(jobKey(done, 0)))!;
  const finishedAt = new Date().toISOString();
  const artifacts = [{ builderId: "kiln.file", id: "out.txt", description: "", files: [{ path: "out.txt", size: 1, sha256: "0".repeat(64), object }] }];
  await bus.builds.put(jobKey(done, 0), encode({ ...entry.json<JobRecord>(), state: "succeeded", attempts: 1, finishedAt, artifacts }));
  const event: BuildEvent = { kind: "job-finished", jobIndex: 0, name: "f", state: "succeeded", durationMs: 1, artifacts: [], time: finishedAt };
  await bus.js.publish(buildEventSubject(done), encode(event));

  const e = await waitFor("the finished build to expire", async () => rpc.getBuild(h.client, done).then(() => undefined, (err: Error) => err), 20_000);
  t.is((e as unknown as { code: number }).code, status.NOT_FOUND);
  // What is left is a delete marker (every controller's index watch sees it and forgets the build).
  t.not(await bus.builds.get(jobKey(done, 0)).then((x) => x?.operation ?? "none"), "PUT");
  t.not(await bus.builds.get(buildKey(done)).then((x) => x?.operation ?? "none"), "PUT");
  const info = await bus.artifacts.info(object);
  t.true(info === null || info.deleted, "the artifact file is deleted");
  const output = await bus.jsm.streams.info(BUILD_OUTPUT_STREAM, { subjects_filter: ">" });
  t.deepEqual(Object.keys(output.state.subjects ?? {}).filter((s) => s.includes(done)), []);
  t.true(Object.keys(output.state.subjects ?? {}).some((s) => s.includes(running)));
  t.is((await rpc.getBuild(h.client, running)).state, State.STATE_QUEUED);
});

test("the build index keeps following after a nats-server kill -9: a record written after the restart is swept", async (t) => {
  t.timeout(90_000);
  const h = await startHarness(t);
  const bus = h.controller.bus;
  await h.nats.restart({ crash: true });
  const r = records("0mxafterrestart-000000", new Date(Date.now() - 5 * 60_000).toISOString(), "queued");
  await waitFor("KV to take writes again", async () => bus.builds.put(jobKey(r.build.id, 0), encode(r.job)).then(() => true, () => undefined), 30_000);
  await bus.builds.put(buildKey(r.build.id), encode(r.build));
  const failed = await waitFor(
    "the sweep to fail the unqueued job",
    async () => {
      const b = await rpc.getBuild(h.client, r.build.id).catch(() => undefined);
      return b?.state === State.STATE_FAILED ? b : undefined;
    },
    30_000,
  );
  t.regex(failed.jobs[0].error, /stopped between recording this job and queueing it/);
});

test("delete markers of removed builds are themselves removed once older than MARKER_TTL_MS; a record written after them, and other builds, stay", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t, { settings: { retentionMs: 0 } });
  const bus = h.controller.bus;
  const now = new Date().toISOString();
  const write = async (id: string): Promise<void> => {
    const r = records(id, now, "succeeded", 1);
    await bus.builds.put(jobKey(id, 0), encode(r.job));
    await bus.builds.put(buildKey(id), encode(r.build));
  };
  await write("expired-1");
  await write("late-1");
  await write("kept-1");
  for (const id of ["expired-1", "late-1"]) {
    await bus.builds.delete(jobKey(id, 0));
    await bus.builds.delete(buildKey(id));
  }
  // An agent that finished late writes its job record after the build expired.
  await bus.builds.put(jobKey("late-1", 0), encode(records("late-1", now, "succeeded", 1).job));

  const ctx = { bus, log: silentLog, stopping: new AbortController().signal } as unknown as ControllerContext;
  const index = new BuildIndex(ctx);
  t.teardown(() => index.stop());
  await waitFor("the index to see the markers", async () => (index.markersWrittenBefore(Number.POSITIVE_INFINITY).length === 2 ? true : undefined));
  // Young markers stay (every controller's watch must see them first).
  t.is(await removeOldMarkers(ctx, index, Date.now()), 0);
  // expired-1's two markers and late-1's build marker (its job marker gave way to the late record: the bucket keeps one message per key).
  t.is(await removeOldMarkers(ctx, index, Date.now() + MARKER_TTL_MS + 1000), 3);
  t.deepEqual(index.markersWrittenBefore(Number.POSITIVE_INFINITY), []);
  const subjects = (await bus.jsm.streams.info(kvStreamName(BUILDS_BUCKET), { subjects_filter: ">" })).state.subjects ?? {};
  t.deepEqual(
    Object.entries(subjects).map(([s, n]) => `${s.replace(`$KV.${BUILDS_BUCKET}.`, "")}=${n}`).sort(),
    ["build.kept-1=1", "job.kept-1.0=1", "job.late-1.0=1"],
  );
  t.is((await bus.builds.get(jobKey("late-1", 0)))?.operation, "PUT");
});

test("bundles no build names are deleted once stored UNUSED_BUNDLE_GRACE_MS ago, by a controller just started too; named ones, young ones, sealed specs, and everything while an old unfinished record names none, stay", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t, { settings: { retentionMs: 0 } });
  const bus = h.controller.bus;
  const sha = (c: string): string => c.repeat(64);
  for (const name of [sha("a"), sha("b"), "spec.somebuild.0"]) await bus.bundles.putBlob({ name }, new TextEncoder().encode(name));
  const now = new Date().toISOString();
  const named = records("named-1", now, "succeeded", 1);
  await bus.builds.put(jobKey("named-1", 0), encode(named.job));
  await bus.builds.put(buildKey("named-1"), encode({ ...named.build, bundle: sha("a") }));
  // A job whose build record is not there (a submission between the two writes; a late agent's write after expiry): it names nothing and blocks nothing.
  await bus.builds.put(jobKey("orphan-1", 0), encode(records("orphan-1", now, "running", 3).job));
  // A queued build recorded before records named their bundle.
  const old = records("old-1", now, "queued", 2);
  await bus.builds.put(jobKey("old-1", 0), encode(old.job));
  await bus.builds.put(buildKey("old-1"), encode(old.build));

  const forgotten: string[] = [];
  const ctx = { bus, log: silentLog, stopping: new AbortController().signal, bundles: { forgetStored: (s: string) => forgotten.push(s) } } as unknown as ControllerContext;
  const index = new BuildIndex(ctx);
  t.teardown(() => index.stop());
  await waitFor("the index to hold both builds", async () => (index.isComplete && index.all().length === 2 ? true : undefined));
  const later = Date.now() + UNUSED_BUNDLE_GRACE_MS + 1000;
  t.is(await removeUnusedBundles(ctx, index, later), undefined, "no sweep while an unfinished record names no bundle");

  await bus.builds.put(jobKey("old-1", 0), encode({ ...old.job, state: "succeeded", finishedAt: now }));
  await waitFor("the old build to finish in the index", async () => (index.unfinishedWithoutBundle() ? undefined : true));
  t.is(await removeUnusedBundles(ctx, index, Date.now()), 0, "an unnamed bundle stored just now stays (its record may be on its way)");
  // The first sweep of a fresh index (a controller just restarted) deletes what is old enough.
  const restarted = new BuildIndex(ctx);
  t.teardown(() => restarted.stop());
  t.is(await removeUnusedBundles(ctx, restarted, later), undefined, "no sweep before the index is complete");
  await waitFor("the new index to be complete", async () => (restarted.isComplete ? true : undefined));
  t.is(await removeUnusedBundles(ctx, restarted, later), 1);
  t.deepEqual(forgotten, [sha("b")]);
  t.deepEqual((await bus.bundles.list()).map((i) => i.name).sort(), [sha("a"), "spec.somebuild.0"]);
});

test("a submission whose bundle was deleted by a sweep (its controller still thinking it stored) stores it again before its jobs go out", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t);
  const bus = h.controller.bus;
  const bundle = await packTemplate(h.dir, { "template.json": ONE_BUILDER });
  const first = (await rpc.submitBuild(h.client, submitRequest(bundle))).build!.id;
  const record = (await bus.builds.get(buildKey(first)))!.json<BuildRecord>();
  t.regex(record.bundle ?? "", /^[0-9a-f]{64}$/, "the record names its bundle");
  // As another controller's sweep would once the first build expired: records gone, bundle deleted.
  await bus.builds.delete(jobKey(first, 0));
  await bus.builds.delete(buildKey(first));
  await bus.bundles.delete(record.bundle!);
  // The controller's index drops the first build a moment after the delete (its watch): until then
  // the first build still names the bundle there, and a submission rightly trusts it. Submissions
  // are repeated until one comes after that moment; each must then find the bundle stored.
  const stored = await waitFor("a submission to store the bundle again", async () => {
    const id = (await rpc.submitBuild(h.client, submitRequest(bundle))).build!.id;
    t.is((await bus.builds.get(buildKey(id)))!.json<BuildRecord>().bundle, record.bundle);
    const info = await bus.bundles.info(record.bundle!);
    if (info !== null && !info.deleted) return true;
    await bus.builds.delete(jobKey(id, 0));
    await bus.builds.delete(buildKey(id));
    return undefined;
  });
  t.true(stored, "the bundle is stored again");
});

test("a sweep duty that fails (the agents bucket gone) is logged, and the duties after it still run: a finished build expires", async (t) => {
  t.timeout(60_000);
  const warnings: Array<{ message: string; duty: unknown }> = [];
  const log = { ...silentLog, warn: (message: string, fields?: Record<string, unknown>) => void warnings.push({ message, duty: fields?.duty }) };
  const h = await startHarness(t, { settings: { retentionMs: 1_000 }, log });
  const bus = h.controller.bus;
  const bundle = await packTemplate(h.dir, { "template.json": ONE_BUILDER });
  // Waits for an agent no farm has, for 1 s: the first duty then reads the agents' presence.
  await rpc.submitBuild(h.client, submitRequest(bundle, { waitTimeoutSeconds: 1 }));
  const done = (await rpc.submitBuild(h.client, submitRequest(bundle))).build!.id;
  await bus.jsm.streams.delete(kvStreamName(AGENTS_BUCKET));
  await waitFor("the first duty to fail", async () => warnings.find((w) => w.duty === "failing jobs that waited too long"), 20_000);

  const entry = (await bus.builds.get(jobKey(done, 0)))!;
  await bus.builds.put(jobKey(done, 0), encode({ ...entry.json<JobRecord>(), state: "succeeded", attempts: 1, finishedAt: new Date().toISOString() }));
  // Its records removed (GetBuild cannot say: it reads the agents' presence too).
  await waitFor("the finished build to expire", async () => ((await bus.builds.get(buildKey(done)))?.operation === "PUT" ? undefined : true), 20_000);
  t.not((await bus.builds.get(jobKey(done, 0)))?.operation, "PUT");
  const failed = warnings.filter((w) => w.message === "sweep duty failed; tried again next round");
  t.deepEqual([...new Set(failed.map((w) => w.duty))], ["failing jobs that waited too long"], "only the duty that reads the agents failed");
});

/**
 * A build of one job in `state`, an index that has seen it, and then that index's watch stopped:
 * it brings nothing more, as when the KV watch misses a key's newest message or a marker.
 */
async function buildWithDeafIndex(t: ExecutionContext, id: string, state: JobRecord["state"]) {
  const h = await startHarness(t, { settings: { retentionMs: 0 } });
  const bus = h.controller.bus;
  const r = records(id, new Date().toISOString(), state, 1);
  await bus.builds.put(jobKey(id, 0), encode(r.job));
  await bus.builds.put(buildKey(id), encode(r.build));
  const ctx = { bus, log: silentLog, stopping: new AbortController().signal } as unknown as ControllerContext;
  const index = new BuildIndex(ctx);
  t.teardown(() => index.stop());
  await waitFor("the index to see the build", async () => (index.all().length === 1 ? true : undefined));
  await index.stop();
  return { bus, ctx, index, job: r.job };
}

test("a build this controller expired leaves its index at once, its markers listed, before its watch brings them", async (t) => {
  t.timeout(60_000);
  const { bus, ctx, index } = await buildWithDeafIndex(t, "lagging-1", "succeeded");
  const later = Date.now() + 60_000;
  t.is(await expireFinishedBuilds(ctx, index, 1_000, later), 1);
  t.not((await bus.builds.get(buildKey("lagging-1")))?.operation, "PUT");
  t.is(await expireFinishedBuilds(ctx, index, 1_000, later), 0, "not expired a second time");
  t.deepEqual(index.finished(), []);
  const markers = [(await bus.builds.get(jobKey("lagging-1", 0)))!.revision, (await bus.builds.get(buildKey("lagging-1")))!.revision];
  t.deepEqual(index.markersWrittenBefore(Number.POSITIVE_INFINITY).map((m) => [m.id, m.revisions]), [["lagging-1", markers]], "both markers are listed for removal");
});

test("an unfinished build the index has heard nothing of for a while has its job records read again: a finish the watch missed is found", async (t) => {
  t.timeout(60_000);
  const { bus, index, job } = await buildWithDeafIndex(t, "missed-1", "running");
  // The agent records the finish; the index's watch does not bring it.
  await bus.builds.put(jobKey("missed-1", 0), encode({ ...job, state: "succeeded", finishedAt: new Date().toISOString() }));
  t.is(await index.refreshQuiet(60_000, Date.now()), 0, "not quiet long enough yet");
  t.is(await index.refreshQuiet(60_000, Date.now() + 61_000), 1);
  t.deepEqual(index.finished().map(({ build }) => build.id), ["missed-1"]);
  t.is(await index.refreshQuiet(60_000, Date.now() + 62_000), 0, "finished builds are not read again");
});

test("a re-read that finds an undecodable job record logs it and skips it, as the watch does; the next good record is taken", async (t) => {
  t.timeout(60_000);
  const { bus, ctx, index, job } = await buildWithDeafIndex(t, "garbled-1", "running");
  const warnings: string[] = [];
  Object.assign(ctx, { log: { ...silentLog, warn: (message: string, fields?: Record<string, unknown>) => void warnings.push(`${message} ${String(fields?.key)}`) } });
  await bus.builds.put(jobKey("garbled-1", 0), new TextEncoder().encode("{ not a record"));
  t.is(await index.refreshQuiet(60_000, Date.now() + 61_000), 0);
  t.deepEqual(warnings, [`build index skips an undecodable record ${jobKey("garbled-1", 0)}`]);
  // The agent's next write is good again: the next re-read takes it.
  await bus.builds.put(jobKey("garbled-1", 0), encode({ ...job, state: "succeeded", finishedAt: new Date().toISOString() }));
  t.is(await index.refreshQuiet(60_000, Date.now() + 122_000), 1);
  t.deepEqual(index.finished().map(({ build }) => build.id), ["garbled-1"]);
});
