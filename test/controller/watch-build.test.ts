import test from "ava";
import { credentials } from "@grpc/grpc-js";
import { agentEventSubject, agentLogSubject, buildEventSubject, buildKey, buildLogSubject, encode, jobKey, publishDurably, type BuildEvent, type JobRecord, type LogLine } from "../../shared/bus/index.js";
import { FarmClient, State, type BuildOutput } from "../../proto/gen/kiln/v1/farm.js";
import type { Bus } from "../../shared/bus/index.js";
import { collect, packTemplate, rpc, startHarness, submitRequest, waitFor, watch } from "./farm-harness.js";
import { DEFAULT_SETTINGS, silentLog } from "../../controller/index.js";
import { watchBuild, type OutputWriter } from "../../controller/watch-build.js";
import type { ControllerContext } from "../../controller/context.js";
import type { ScratchFolder } from "../../controller/scratch-folder.js";
import type { BundleCache } from "../../controller/bundle-cache.js";

const ONE_BUILDER = JSON.stringify({ builders: [{ type: "file", name: "f", target: "out.txt", content: "x" }] });

async function logLine(bus: Bus, buildId: string, text: string): Promise<number> {
  const line: LogLine = { jobIndex: 0, label: "f", level: "say", text, time: new Date().toISOString() };
  return (await bus.js.publish(buildLogSubject(buildId), encode(line))).seq;
}

/** What an agent does at the end: record the job finished, then say so on the stream. */
async function finishJob(bus: Bus, buildId: string): Promise<void> {
  const entry = (await bus.builds.get(jobKey(buildId, 0)))!;
  const record = entry.json<JobRecord>();
  await bus.builds.put(jobKey(buildId, 0), encode({ ...record, state: "succeeded", agent: "a1", attempts: 1, finishedAt: new Date().toISOString() }));
  const event: BuildEvent = { kind: "job-finished", jobIndex: 0, name: "f", state: "succeeded", durationMs: 5, artifacts: [], time: new Date().toISOString() };
  await bus.js.publish(buildEventSubject(buildId), encode(event));
}

const texts = (items: BuildOutput[]): string[] => items.map((i) => i.log?.text ?? `<${i.event?.kind ?? "machine"}>`);

test("WatchBuild replays in order with stream sequences, resumes after a sequence without gaps or duplicates, skips garbage", async (t) => {
  const h = await startHarness(t);
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
  const id = build!.id;
  const bus = h.controller.bus;
  await logLine(bus, id, "one");
  await bus.js.publish(buildLogSubject(id), new TextEncoder().encode("{not json")); // garbage
  await bus.js.publish(buildEventSubject(id), encode({ kind: "job-exploded", jobIndex: 0 })); // wrong shape
  await logLine(bus, id, "two");
  const machine: BuildEvent = { kind: "machine", jobIndex: 0, target: "f", type: "artifact-count", data: ["1"], time: new Date().toISOString() };
  await bus.js.publish(buildEventSubject(id), encode(machine));
  await logLine(bus, id, "three");

  const all = await collect(watch(h.client, id, 0, false));
  t.deepEqual(texts(all), ["<queued>", "one", "two", "<machine>", "three"]);
  t.deepEqual(all[3].machine, { jobIndex: 0, target: "f", type: "artifact-count", data: ["1"] });
  const seqs = all.map((i) => i.sequence);
  t.deepEqual(seqs, [...seqs].sort((a, b) => a - b));

  const rest = await collect(watch(h.client, id, all[1].sequence, false));
  t.deepEqual(texts(rest), ["two", "<machine>", "three"]);
  t.deepEqual(rest.map((i) => i.sequence), seqs.slice(2));
  t.deepEqual(await collect(watch(h.client, id, seqs[seqs.length - 1], false)), []);
});

test("following ends once every job finished and its output was sent", async (t) => {
  const h = await startHarness(t);
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
  const id = build!.id;
  const items: BuildOutput[] = [];
  const stream = watch(h.client, id, 0, true);
  stream.on("data", (d: BuildOutput) => items.push(d));
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  await logLine(h.controller.bus, id, "working");
  await new Promise((r) => setTimeout(r, 1500));
  t.deepEqual(texts(items), ["<queued>", "working"]); // still following
  await logLine(h.controller.bus, id, "done");
  await finishJob(h.controller.bus, id);
  await ended;
  t.deepEqual(texts(items), ["<queued>", "working", "done", "<finished>"]);
  t.is(items[3].event!.state, State.STATE_SUCCEEDED);
  t.is((await rpc.getBuild(h.client, id)).state, State.STATE_SUCCEEDED);
});

test("a controller restart mid-watch: records survive and the watch resumes from the last sequence seen", async (t) => {
  const h = await startHarness(t);
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
  const id = build!.id;
  const first = h.controller;
  // A publisher on its own connection keeps going while the controller is away.
  const second = await h.startAnother();
  const bus = second.bus;
  await logLine(bus, id, "a");
  await logLine(bus, id, "b");

  const seen: BuildOutput[] = [];
  const stream = watch(h.client, id, 0, true);
  const broken = new Promise<void>((resolve) => {
    stream.on("data", (d: BuildOutput) => seen.push(d));
    stream.on("error", () => resolve());
    stream.on("end", () => resolve());
  });
  while (seen.length < 3) await new Promise((r) => setTimeout(r, 50));
  await first.stop();
  await broken;
  await logLine(bus, id, "c");

  const again = await h.startAnother();
  const client = new FarmClient(`127.0.0.1:${again.port}`, credentials.createInsecure());
  t.teardown(() => client.close());
  const record = await rpc.getBuild(client, id);
  t.is(record.id, id);
  t.is(record.jobs.length, 1);
  const resumed = watch(client, id, seen[seen.length - 1].sequence, true);
  const rest = collect(resumed);
  await logLine(bus, id, "d");
  await finishJob(bus, id);
  const all = [...seen, ...(await rest)];
  t.deepEqual(texts(all), ["<queued>", "a", "b", "c", "d", "<finished>"]);
  t.is(new Set(all.map((i) => i.sequence)).size, all.length);
});

for (const crash of [true, false]) {
  test(`a nats-server ${crash ? "kill -9" : "SIGTERM"} and restart on the same store mid-watch: the watch rides it out, every item once, none missing`, async (t) => {
    t.timeout(90_000);
    const h = await startHarness(t);
    const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
    const id = build!.id;
    const bus = h.controller.bus;
    await logLine(bus, id, "a");

    const seen: BuildOutput[] = [];
    const stream = watch(h.client, id, 0, true);
    stream.on("data", (d: BuildOutput) => seen.push(d));
    const ended = new Promise<string>((resolve) => {
      stream.on("error", (e: Error) => resolve(`error: ${e.message}`));
      stream.on("end", () => resolve("end"));
    });
    await waitFor("the first line", async () => (seen.length >= 2 ? true : undefined));
    await h.nats.restart({ crash });
    // Publish as agents do (retried until JetStream is back; a publish made mid-reconnect is lost).
    await publishDurably(bus.js, buildLogSubject(id), encode({ jobIndex: 0, label: "f", level: "say", text: "b", time: new Date().toISOString() }), { msgID: `${id}.b`, deadlineMs: 30_000 });
    await logLine(bus, id, "c");
    await finishJob(bus, id);
    t.is(await ended, "end");
    t.deepEqual(texts(seen), ["<queued>", "a", "b", "c", "<finished>"]);
    t.is(new Set(seen.map((i) => i.sequence)).size, seen.length);
  });
}

test("an agent's output reaches watchers only for a job it held: lines another agent puts into the build are dropped", async (t) => {
  const h = await startHarness(t);
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
  const id = build!.id;
  const bus = h.controller.bus;
  const line = (text: string): Uint8Array => encode({ jobIndex: 0, label: "f", level: "say", text, time: new Date().toISOString() } satisfies LogLine);
  // host-a holds the job (the controller recorded it when it wrote host-a's claim); host-b never did.
  const entry = (await bus.builds.get(jobKey(id, 0)))!;
  const afterQueued = (await bus.jsm.streams.info("KILN_BUILD_OUTPUT")).state.last_seq;
  await bus.builds.update(jobKey(id, 0), encode({ ...entry.json<JobRecord>(), state: "running", agent: "host-a", heldBy: [{ agent: "host-a", afterSequence: afterQueued }], attempts: 1 }), entry.revision);
  await bus.js.publish(agentLogSubject(id, "host-a"), line("from the holder"));
  await bus.js.publish(agentLogSubject(id, "host-b"), line("injected"));
  const forged: BuildEvent = { kind: "job-finished", jobIndex: 0, name: "f", state: "failed", error: "forged", durationMs: 1, artifacts: [], time: new Date().toISOString() };
  await bus.js.publish(agentEventSubject(id, "host-b"), encode(forged));
  await bus.js.publish(agentLogSubject(id, "host-a"), line("holder again"));
  // A later attempt on host-b (host-a died): from then on host-b's lines are the job's, host-a's no longer.
  const now = (await bus.builds.get(jobKey(id, 0)))!;
  const takeover = { agent: "host-b", afterSequence: (await bus.jsm.streams.info("KILN_BUILD_OUTPUT")).state.last_seq };
  await bus.builds.update(jobKey(id, 0), encode({ ...now.json<JobRecord>(), agent: "host-b", heldBy: [...now.json<JobRecord>().heldBy!, takeover], attempts: 2 }), now.revision);
  await bus.js.publish(agentLogSubject(id, "host-b"), line("second attempt"));
  await bus.js.publish(agentLogSubject(id, "host-a"), line("late, from the old holder"));

  const all = await collect(watch(h.client, id, 0, false));
  t.deepEqual(texts(all), ["<queued>", "from the holder", "holder again", "second attempt"]);
});

test("a client that stops reading for longer than a fetch lasts loses nothing: every line arrives once, in order", async (t) => {
  t.timeout(2 * 60_000);
  const h = await startHarness(t);
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
  const id = build!.id;
  const bus = h.controller.bus;
  // Enough bytes that gRPC's flow control pushes back while the controller holds a fetch's batch.
  const filler = "x".repeat(2000);
  for (let i = 0; i < 600; i++) await logLine(bus, id, `line ${i} ${filler}`);
  await finishJob(bus, id);
  const items: BuildOutput[] = [];
  const stream = watch(h.client, id, 0, true);
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  let paused = false;
  stream.on("data", (d: BuildOutput) => {
    items.push(d);
    if (!paused) {
      // The controller's fetch is cut 100 ms after its expiry; reading again later than that
      // leaves the rest of the batch unsent at the moment it is cut.
      paused = true;
      stream.pause();
      setTimeout(() => stream.resume(), 2500);
    }
  });
  await ended;
  const lines = texts(items).filter((x) => x.startsWith("line "));
  t.is(lines.length, 600);
  t.deepEqual(lines.map((l) => Number(l.split(" ")[1])), Array.from({ length: 600 }, (_, i) => i));
  const seqs = items.map((i) => i.sequence);
  t.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
  t.is(new Set(seqs).size, seqs.length);
});

/**
 * watchBuild called directly on a bus changed by `change`, its items collected; it ends as the
 * call would. A deadline keeps a watch that never ends from holding the test.
 */
async function watchDirectly(bus: Bus, buildId: string, whileWatching: (items: BuildOutput[]) => Promise<void> = async () => {}): Promise<BuildOutput[]> {
  const items: BuildOutput[] = [];
  const out: OutputWriter = { write: (item) => (items.push(item), true), once: () => undefined, cancelled: false };
  const stop = new AbortController();
  const ctx: ControllerContext = { bus, settings: DEFAULT_SETTINGS, log: silentLog, bundles: undefined as unknown as BundleCache, scratch: undefined as unknown as ScratchFolder, stopping: stop.signal };
  const deadline = setTimeout(() => stop.abort(), 30_000);
  try {
    await Promise.all([watchBuild(ctx, { buildId, afterSequence: 0, follow: true, acceptTextEncodings: [] }, out, stop.signal), whileWatching(items)]);
  } finally {
    clearTimeout(deadline);
  }
  return items;
}

test("a follow watch whose first consumer delivers nothing (a NATS node still catching up) still sends the output the stream holds", async (t) => {
  const h = await startHarness(t);
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
  const id = build!.id;
  const bus = h.controller.bus;
  await logLine(bus, id, "working");
  await finishJob(bus, id);
  // Stands in for an ordered consumer placed on a cluster node whose copy of the stream lags: its
  // fetches end with nothing, as an idle fetch does. Only the watch's first consumer is one.
  let made = 0;
  const consumers = {
    get: (...args: Parameters<Bus["js"]["consumers"]["get"]>) =>
      made++ === 0 ? Promise.resolve({ fetch: async () => (async function* () {})(), delete: async () => true }) : bus.js.consumers.get(...args),
  };
  const js = new Proxy(bus.js, { get: (target, p) => (p === "consumers" ? consumers : Reflect.get(target, p)) });
  const items = await watchDirectly({ ...bus, js }, id);
  t.deepEqual(texts(items), ["<queued>", "working", "<finished>"]);
  t.true(made >= 2, "a second consumer was made");
});

test("a follow watch that once reads no build record (a cluster settling) goes on until the build finishes", async (t) => {
  const h = await startHarness(t);
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
  const id = build!.id;
  const bus = h.controller.bus;
  // The second read of the build record (the first is the watch's check that the build exists)
  // answers "none", as a stream leader still applying its log once did.
  let reads = 0;
  const builds = new Proxy(bus.builds, {
    get: (target, p) => (p === "get" ? (key: string) => (key === buildKey(id) && ++reads === 2 ? Promise.resolve(null) : target.get(key)) : Reflect.get(target, p)),
  });
  const items = await watchDirectly({ ...bus, builds }, id, async (seen) => {
    await waitFor("the missing read", async () => (reads >= 3 ? true : undefined), 20_000);
    t.deepEqual(texts(seen), ["<queued>"]);
    await logLine(bus, id, "after the miss");
    await finishJob(bus, id);
  });
  t.deepEqual(texts(items), ["<queued>", "after the miss", "<finished>"]);
});
