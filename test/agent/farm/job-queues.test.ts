/**
 * How an agent finds label and priority queues and orders them, against a real nats-server: it
 * opens only the queues it can serve as they appear, and a puller of a lower-priority queue yields
 * while a higher-priority one has jobs pending.
 */
import test, { type ExecutionContext } from "ava";
import { silentLog } from "../../../shared/operator-log.js";
import { connectBus, type Bus, encode, ensureFarmResources, ensureJobConsumer, JOBS_STREAM, jobConsumer, jobQueue, jobSubject } from "../../../shared/bus/index.js";
import { discoverJobQueues, queuePrecedence } from "../../../agent/farm/job-queues.js";
import { startNatsServer } from "../../fixtures/nats-server.js";
import { waitFor } from "../../controller/farm-harness.js";

const settings = { ackWaitMs: 30_000, maxDeliver: 3 };

/** A nats-server with the farm's streams, and a connection to it. */
async function farmBus(t: ExecutionContext): Promise<Bus> {
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const bus = await connectBus({ url: nats.url, name: "test" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, { ...settings, presenceTtlMs: 15_000 });
  return bus;
}

test("an agent opens the label and priority queues it can serve as they appear, and only those", async (t) => {
  t.timeout(60_000);
  const bus = await farmBus(t);
  const stop = new AbortController();
  const known = new Set(["null"]);
  const opened: string[] = [];
  const discovery = discoverJobQueues({
    jsm: bus.jsm,
    canServe: { builderTypes: ["null"], capabilities: [], labels: ["gpu", "site=eu"] },
    known,
    intervalMs: 100,
    signal: stop.signal,
    log: silentLog,
    open: async (q) => void opened.push(q),
  });
  t.teardown(async () => {
    stop.abort();
    await discovery;
  });
  for (const q of [jobQueue("null"), jobQueue("null", [], ["gpu"], "high"), jobQueue("null", [], ["gpu", "site=us"]), jobQueue("qemu", [], ["gpu"]), jobQueue("null", ["ansible"])]) {
    await ensureJobConsumer(bus.jsm, q, settings);
  }
  await waitFor("the gpu/high queue to be opened", async () => (opened.includes("null__L_gpu__P_high") ? true : undefined));
  await ensureJobConsumer(bus.jsm, jobQueue("null", [], ["site=eu", "gpu"]), settings);
  await waitFor("a queue made later to be opened too", async () => (opened.includes("null__L_gpu__L_site_eu") ? true : undefined));
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(opened.sort(), ["null__L_gpu__L_site_eu", "null__L_gpu__P_high"], "not site=us, not qemu, not ansible, not the base queue again");
});

test("a lower-priority puller yields while a higher-priority queue has jobs pending, and pulls once it has none", async (t) => {
  t.timeout(60_000);
  const bus = await farmBus(t);
  const precedence = queuePrecedence();
  for (const q of ["null", "null__P_high", "null__P_low"]) {
    await ensureJobConsumer(bus.jsm, q, settings);
    precedence.add({ type: q, consumer: await bus.js.consumers.get(JOBS_STREAM, jobConsumer(q)), ackWaitMs: 30_000 });
  }
  const signal = new AbortController().signal;
  t.false(await precedence.yieldToHigher("null", signal), "nothing pending anywhere: pull");
  t.false(await precedence.yieldToHigher("null__P_high", signal), "the highest never yields");

  await bus.js.publish(jobSubject("null__P_high"), encode({ job: 1 }));
  t.true(await precedence.yieldToHigher("null", signal), "normal yields to a pending high job");
  t.true(await precedence.yieldToHigher("null__P_low", signal));
  t.false(await precedence.yieldToHigher("null__P_high", signal));

  const high = await bus.js.consumers.get(JOBS_STREAM, jobConsumer("null__P_high"));
  const msg = await high.next({ expires: 5000 });
  t.truthy(msg);
  t.false(await precedence.yieldToHigher("null", signal), "taken (not yet acked) is no longer pending");
  msg!.ack();
  await bus.js.publish(jobSubject("null"), encode({ job: 2 }));
  t.true(await precedence.yieldToHigher("null__P_low", signal), "low yields to a pending normal job");
});
