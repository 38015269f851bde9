import test from "ava";
import { RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import {
  AGENTS_BUCKET,
  BUILD_OUTPUT_STREAM,
  BUILDS_BUCKET,
  connectBus,
  ensureFarmResources,
  ensureJobConsumer,
  FarmResourceError,
  JOBS_STREAM,
  jobConsumer,
  jobSubject,
  missingFarmResources,
  type Bus,
} from "../../../shared/bus/index.js";
import { startNatsServer, type NatsServerFixture } from "../../fixtures/nats-server.js";

const settings = { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 };

async function serverAndBus(t: { teardown(fn: () => Promise<void>): void }, name = "test"): Promise<{ server: NatsServerFixture; bus: Bus }> {
  const server = await startNatsServer();
  t.teardown(() => server.stop());
  const bus = await connectBus({ url: server.url, name });
  t.teardown(() => bus.close());
  return { server, bus };
}

test("ensureFarmResources run by two processes at once creates every stream, bucket and store with Kiln's settings", async (t) => {
  const { server, bus } = await serverAndBus(t);
  const other = await connectBus({ url: server.url, name: "second controller" });
  t.teardown(() => other.close());
  t.is((await missingFarmResources(bus.jsm)).length, 6);

  await Promise.all([ensureFarmResources(bus.nc, settings), ensureFarmResources(other.nc, settings), ensureFarmResources(bus.nc, settings)]);
  t.deepEqual(await missingFarmResources(bus.jsm), []);

  const jobs = (await bus.jsm.streams.info(JOBS_STREAM)).config;
  t.is(jobs.retention, RetentionPolicy.Workqueue);
  t.is(jobs.storage, StorageType.File);
  t.deepEqual(jobs.subjects, ["kiln.jobs.>"]);
  const output = (await bus.jsm.streams.info(BUILD_OUTPUT_STREAM)).config;
  t.is(output.retention, RetentionPolicy.Limits);
  t.is(output.storage, StorageType.File);
  t.deepEqual(output.subjects, ["kiln.build.>"]);
  t.is(output.max_age, nanos(7 * 24 * 3600 * 1000));
  const builds = (await bus.jsm.streams.info(`KV_${BUILDS_BUCKET}`)).config;
  t.is(builds.max_msgs_per_subject, 1);
  t.is(builds.storage, StorageType.File);
  t.is((await bus.jsm.streams.info(`KV_${AGENTS_BUCKET}`)).config.max_age, nanos(15_000));
  t.is((await bus.jsm.streams.info("OBJ_kiln_bundles")).config.storage, StorageType.File);
  t.is((await bus.jsm.streams.info("OBJ_kiln_artifacts")).config.storage, StorageType.File);
});

test("a second start with other settings updates presence TTL and output retention in place, keeping the data", async (t) => {
  const { bus } = await serverAndBus(t);
  await ensureFarmResources(bus.nc, settings);
  await bus.builds.put("build.b1", "kept");
  await bus.js.publish("kiln.build.b1.log", "line");

  await ensureFarmResources(bus.nc, { ...settings, presenceTtlMs: 5_000, outputMaxAgeMs: 3600_000 });
  t.is((await bus.jsm.streams.info(`KV_${AGENTS_BUCKET}`)).config.max_age, nanos(5_000));
  t.is((await bus.jsm.streams.info(BUILD_OUTPUT_STREAM)).config.max_age, nanos(3600_000));
  t.is((await bus.builds.get("build.b1"))?.string(), "kept");
  t.is((await bus.jsm.streams.info(BUILD_OUTPUT_STREAM)).state.messages, 1);
});

test("a jobs stream someone created with the wrong retention is reported, not silently used", async (t) => {
  const { bus } = await serverAndBus(t);
  await bus.jsm.streams.add({ name: JOBS_STREAM, subjects: ["kiln.jobs.>"], retention: RetentionPolicy.Limits, storage: StorageType.File });
  const err = await t.throwsAsync(ensureFarmResources(bus.nc, settings), { instanceOf: FarmResourceError });
  t.regex(err?.message ?? "", /KILN_JOBS exists with retention "limits" but Kiln needs "workqueue".*delete it/);
});

test("one durable pull consumer per builder type: each sees only its type's jobs, and an acked job leaves the work queue", async (t) => {
  const { server, bus } = await serverAndBus(t);
  await ensureFarmResources(bus.nc, settings);
  const other = await connectBus({ url: server.url, name: "agent" });
  t.teardown(() => other.close());
  // Several agents ensure the same consumers at the same time.
  await Promise.all(
    ["null", "docker"].flatMap((type) => [ensureJobConsumer(bus.jsm, type, settings), ensureJobConsumer(other.jsm, type, settings)]),
  );
  const info = await bus.jsm.consumers.info(JOBS_STREAM, jobConsumer("null"));
  t.is(info.config.filter_subject, "kiln.jobs.null");
  t.is(info.config.durable_name, "jobs-null");
  t.is(info.config.ack_policy, "explicit");
  t.is(info.config.ack_wait, nanos(30_000));
  t.is(info.config.max_deliver, 3);

  await bus.js.publish(jobSubject("docker"), "docker job", { msgID: "b1.0" });
  await bus.js.publish(jobSubject("null"), "null job", { msgID: "b1.1" });
  await bus.js.publish(jobSubject("null"), "null job", { msgID: "b1.1" }); // duplicate: dropped by the stream

  const nullJobs = await other.js.consumers.get(JOBS_STREAM, jobConsumer("null"));
  const first = await nullJobs.next({ expires: 2000 });
  t.is(first?.string(), "null job");
  t.is(first?.subject, "kiln.jobs.null");
  first?.ack();
  t.is(await nullJobs.next({ expires: 1000 }), null, "the duplicate msgID was not stored");
  const dockerJobs = await other.js.consumers.get(JOBS_STREAM, jobConsumer("docker"));
  const d = await dockerJobs.next({ expires: 2000 });
  t.is(d?.string(), "docker job");
  await d?.ackAck();
  t.is((await bus.jsm.streams.info(JOBS_STREAM)).state.messages, 0, "acked jobs are removed from the work queue");

  const updated = await ensureJobConsumer(bus.jsm, "null", { ackWaitMs: 2_000, maxDeliver: 5 });
  t.is(updated.config.ack_wait, nanos(2_000));
  t.is(updated.config.max_deliver, 5);
});

test("an unacked job is redelivered after the ack wait, and past max_deliver JetStream publishes the MAX_DELIVERIES advisory", async (t) => {
  const { bus } = await serverAndBus(t);
  await ensureFarmResources(bus.nc, settings);
  await ensureJobConsumer(bus.jsm, "null", { ackWaitMs: 1_000, maxDeliver: 2 });
  const advisories = bus.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${JOBS_STREAM}.*`, { max: 1 });
  await bus.js.publish(jobSubject("null"), "job", { msgID: "b2.0" });

  const consumer = await bus.js.consumers.get(JOBS_STREAM, jobConsumer("null"));
  const first = await consumer.next({ expires: 2000 });
  t.is(first?.info.deliveryCount, 1);
  const started = Date.now();
  const second = await consumer.next({ expires: 5000 }); // the "agent" of the first delivery died: no ack
  t.is(second?.info.deliveryCount, 2);
  t.true(Date.now() - started >= 800, "redelivered only after the ack wait");

  // JetStream gives up when the second delivery's ack wait runs out; an agent still pulling gets nothing.
  t.is(await consumer.next({ expires: 3000 }), null);
  const timer = setTimeout(() => advisories.unsubscribe(), 5000);
  let seen = 0;
  for await (const m of advisories) {
    seen++;
    const advisory = m.json<{ stream: string; consumer: string; stream_seq: number; deliveries: number }>();
    t.is(advisory.stream, JOBS_STREAM);
    t.is(advisory.consumer, "jobs-null");
    t.is(advisory.deliveries, 2);
    t.is(advisory.stream_seq, second?.seq ?? -1);
  }
  clearTimeout(timer);
  t.is(seen, 1, "one MAX_DELIVERIES advisory");
});

test("ensureJobConsumer before the controller created the streams says to start the controller", async (t) => {
  const { bus } = await serverAndBus(t);
  const err = await t.throwsAsync(ensureJobConsumer(bus.jsm, "null", settings), { instanceOf: FarmResourceError });
  t.regex(err?.message ?? "", /stream KILN_JOBS does not exist: start kiln controller first/);
});

test("builder types that are not subject tokens are refused before reaching NATS", async (t) => {
  const { bus } = await serverAndBus(t);
  await ensureFarmResources(bus.nc, settings);
  await t.throwsAsync(ensureJobConsumer(bus.jsm, "qemu.>", settings), { message: /cannot be a NATS subject token/ });
});
