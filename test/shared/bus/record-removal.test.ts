/**
 * Records and their markers leave the builds bucket without hiding anything from a KV watch, the
 * build index's only news of other controllers' work. nats-server before 2.9.12 (the 2.9.10 this
 * machine has) moves every consumer whose filter covers a purged subject past what it had not
 * delivered yet (nats-server#3838); removeRecords deletes, removeMarker removes by sequence.
 */
import test, { type ExecutionContext } from "ava";
import { KvWatchInclude, type KV } from "@nats-io/kv";
import { BUILDS_BUCKET, connectBus, encode, ensureFarmResources, removeMarker, removeRecords } from "../../../shared/bus/index.js";
import { forEachConcurrently } from "../../../shared/concurrently.js";
import { startNatsServer } from "../../fixtures/nats-server.js";
import { waitFor } from "../../controller/farm-harness.js";

async function farmBus(t: ExecutionContext) {
  const server = await startNatsServer();
  t.teardown(() => server.stop());
  const bus = await connectBus({ url: server.url, name: "record-removal-test" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 });
  return bus;
}

/** Every key's last operation as a watch of new entries sees it. */
async function watchNews(t: ExecutionContext, kv: KV): Promise<Map<string, string>> {
  const last = new Map<string, string>();
  const watch = await kv.watch({ include: KvWatchInclude.UpdatesOnly });
  t.teardown(() => watch.stop());
  void (async () => {
    for await (const e of watch) last.set(e.key, e.operation);
  })();
  return last;
}

const KEYS = 500;
const key = (i: number): string => `job.b${i}.0`;

test("records removed 16 at a time reach a KV watch as every one of their delete markers, and the markers are returned", async (t) => {
  t.timeout(60_000);
  const bus = await farmBus(t);
  for (let i = 0; i < KEYS; i++) await bus.builds.put(key(i), encode({ i }));
  const seen = await watchNews(t, bus.builds);
  const markers = new Map<string, number>();
  await forEachConcurrently(Array.from({ length: KEYS }, (_, i) => key(i)), 16, async (k) => {
    for (const m of await removeRecords(bus.builds, [k])) markers.set(m.key, m.revision);
  });
  t.is(markers.size, KEYS, "each removal returns its marker");
  const removedSeen = (): number => [...seen.values()].filter((op) => op !== "PUT").length;
  // Purges instead: 37-74 of 500 arrived on nats-server 2.9.10.
  await waitFor("the watch to see every marker", async () => (removedSeen() === KEYS ? true : undefined), 20_000).catch(() => undefined);
  t.is(removedSeen(), KEYS, `the watch saw ${removedSeen()} of ${KEYS} markers`);
});

test("a record written again after its removal has no marker to return", async (t) => {
  t.timeout(30_000);
  const bus = await farmBus(t);
  await bus.builds.put("build.b1", encode({}));
  await bus.builds.put("job.b1.0", encode({}));
  const markers = await removeRecords(bus.builds, ["job.b1.0", "build.b1"]);
  t.deepEqual(markers.map((m) => m.key), ["job.b1.0", "build.b1"]);
  t.true(markers[0].revision < markers[1].revision);
  // A late agent's record replaces the job's marker (the bucket keeps one message per key).
  await bus.builds.put("job.b1.0", encode({ late: true }));
  t.false(await removeMarker(bus.jsm, BUILDS_BUCKET, markers[0].revision), "gone already");
  t.true(await removeMarker(bus.jsm, BUILDS_BUCKET, markers[1].revision));
  t.is((await bus.builds.get("job.b1.0"))?.operation, "PUT", "the late record stays");
  t.is(await bus.builds.get("build.b1"), null, "no record and no marker");
});

test("markers removed while records are written 16 at a time: a KV watch sees every record", async (t) => {
  t.timeout(60_000);
  const bus = await farmBus(t);
  const MARKERS = 200;
  const revisions: number[] = [];
  for (let i = 0; i < MARKERS; i++) {
    await bus.builds.put(`build.old${i}`, encode({}));
    revisions.push(...(await removeRecords(bus.builds, [`build.old${i}`])).map((m) => m.revision));
  }
  const seen = await watchNews(t, bus.builds);
  const WRITES = 2_000;
  let next = 0;
  let removedWhileWriting = 0;
  const writes = forEachConcurrently(Array.from({ length: WRITES }, (_, i) => i), 16, async (i) => {
    await bus.builds.put(key(i), encode({ i }));
    next++;
  });
  for (const r of revisions) {
    if (next >= WRITES) break;
    if (await removeMarker(bus.jsm, BUILDS_BUCKET, r)) removedWhileWriting++;
  }
  await writes;
  t.true(removedWhileWriting > 0, "no marker was removed while the records were written: the test proves nothing");
  // Purging the markers by subject instead: 1,610-1,666 of 2,000 arrived on nats-server 2.9.10.
  const recordsSeen = (): number => [...seen.entries()].filter(([k, op]) => k.startsWith("job.") && op === "PUT").length;
  await waitFor("the watch to see every record", async () => (recordsSeen() === WRITES ? true : undefined), 20_000).catch(() => undefined);
  t.is(recordsSeen(), WRITES, `the watch saw ${recordsSeen()} of ${WRITES} records (${removedWhileWriting} markers removed meanwhile)`);
});
