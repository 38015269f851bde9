import test from "ava";
import { z } from "zod";
import { BusRetryError, changeRecord, connectBus, encode, ensureFarmResources, isWrongRevision, readRecord } from "../../../shared/bus/index.js";
import { startNatsServer } from "../../fixtures/nats-server.js";

const settings = { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 };
const counter = z.object({ n: z.number() });
const decodeCounter = (data: Uint8Array): { n: number } => counter.parse(JSON.parse(new TextDecoder().decode(data)));

async function farmBus(t: { teardown(fn: () => Promise<void>): void }) {
  const server = await startNatsServer();
  t.teardown(() => server.stop());
  const bus = await connectBus({ url: server.url, name: "records-test" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, settings);
  return { server, bus };
}

test("twenty concurrent compare-and-sets on one record: none is lost (conflicts are retried)", async (t) => {
  t.timeout(60_000);
  const { bus } = await farmBus(t);
  await Promise.all(Array.from({ length: 20 }, () => changeRecord(bus.builds, "count", decodeCounter, (c) => ({ n: (c?.n ?? 0) + 1 }), { maxConflicts: 50 })));
  t.is((await readRecord(bus.builds, "count", decodeCounter))?.record.n, 20);
});

test("a lost compare-and-set is recognised by JetStream's error code; a change returning undefined writes nothing", async (t) => {
  t.timeout(30_000);
  const { bus } = await farmBus(t);
  const revision = await bus.builds.create("k", encode({ n: 1 }));
  await bus.builds.update("k", encode({ n: 2 }), revision);
  const stale = await bus.builds.update("k", encode({ n: 3 }), revision).catch((e: unknown) => e);
  t.true(isWrongRevision(stale));
  t.false(isWrongRevision(new Error("wrong last sequence: 1"))); // text alone is not the code
  const left = await changeRecord(bus.builds, "k", decodeCounter, () => undefined);
  t.deepEqual(left, { before: { n: 2 }, written: undefined });
  const missing = await changeRecord(bus.builds, "absent", decodeCounter, (c) => (c === undefined ? undefined : { n: 9 }));
  t.deepEqual(missing, { before: undefined, written: undefined });
  t.is(await readRecord(bus.builds, "absent", decodeCounter), undefined);
});

test("a change made while nats-server restarts waits for it and then applies once", async (t) => {
  t.timeout(60_000);
  const { server, bus } = await farmBus(t);
  await bus.builds.create("k", encode({ n: 1 }));
  await server.halt({ crash: true });
  const changing = changeRecord(bus.builds, "k", decodeCounter, (c) => ({ n: (c?.n ?? 0) + 1 }), { deadlineMs: 45_000 });
  await server.resume();
  t.deepEqual((await changing).written, { n: 2 });
  t.is((await readRecord(bus.builds, "k", decodeCounter))?.record.n, 2);
});

test("with the bus gone, an abort ends the retries within one request timeout", async (t) => {
  t.timeout(30_000);
  const { server, bus } = await farmBus(t);
  await bus.builds.create("k", encode({ n: 1 }));
  await server.halt({ crash: true });
  const stop = new AbortController();
  const changing = changeRecord(bus.builds, "k", decodeCounter, (c) => ({ n: (c?.n ?? 0) + 1 }), { signal: stop.signal });
  // The first attempt waits for its request timeout; abort while it and its retries are under way.
  setTimeout(() => stop.abort(), 500);
  const started = Date.now();
  const e = await t.throwsAsync(changing);
  t.true(e instanceof BusRetryError, String(e));
  t.true(Date.now() - started < 7_000, `took ${Date.now() - started} ms`);
});

test("a change from the revision last known skips the read; a stale one reads and retries", async (t) => {
  t.timeout(30_000);
  const { bus } = await farmBus(t);
  const first = await changeRecord(bus.builds, "k", decodeCounter, (c) => ({ n: (c?.n ?? 0) + 1 }));
  t.true((first.revision ?? 0) > 0);
  const second = await changeRecord(bus.builds, "k", decodeCounter, (c) => ({ n: (c?.n ?? 0) + 1 }), { known: { record: first.written!, revision: first.revision! } });
  t.deepEqual(second.written, { n: 2 });
  await bus.builds.put("k", encode({ n: 10 })); // someone else moves the record on
  const third = await changeRecord(bus.builds, "k", decodeCounter, (c) => ({ n: (c?.n ?? 0) + 1 }), { known: { record: second.written!, revision: second.revision! } });
  t.deepEqual(third.written, { n: 11 }, "the stale revision lost its compare-and-set and the change was made on the current record");
});
