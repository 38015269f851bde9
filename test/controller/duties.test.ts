import test from "ava";
import { AckPolicy } from "@nats-io/jetstream";
import { credentials } from "@grpc/grpc-js";
import { buildKey, connectBus, controlSubject, decodeBuildRecord, decodeControl, jobConsumer, JOBS_STREAM, LOST_JOBS_STREAM, type ControlMessage } from "../../shared/bus/index.js";
import { FarmClient } from "../../proto/gen/kiln/v1/farm.js";
import { State } from "../../proto/gen/kiln/v1/farm.js";
import { collect, packTemplate, rpc, startHarness, submitRequest, TWO_BUILDERS, waitFor, watch } from "./farm-harness.js";

test("cancel records the request, publishes the control message and takes queued jobs off the queue", async (t) => {
  const h = await startHarness(t);
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": TWO_BUILDERS })));
  const id = build!.id;
  const bus = h.controller.bus;
  const controls: ControlMessage[] = [];
  const sub = bus.nc.subscribe(controlSubject(id), { callback: (_e, m) => {
      controls.push(decodeControl(m.data, m.subject));
    } });
  await bus.nc.flush();
  t.is((await bus.jsm.streams.info(JOBS_STREAM)).state.messages, 2);

  const res = await rpc.cancelBuild(h.client, id);
  t.is(res.build!.state, State.STATE_CANCELLED);
  t.deepEqual(res.build!.jobs.map((j) => [j.state, j.error]), [
    [State.STATE_CANCELLED, "cancelled before an agent took it"],
    [State.STATE_CANCELLED, "cancelled before an agent took it"],
  ]);
  t.true(decodeBuildRecord((await bus.builds.get(buildKey(id)))!.value, "t").cancelRequested);
  await waitFor("the control message", async () => (controls.length > 0 ? true : undefined));
  t.is(controls[0].buildId, id);
  t.is(controls[0].kind, "cancel");
  t.is((await bus.jsm.streams.info(JOBS_STREAM)).state.messages, 0);
  // Watchers see the jobs finish, so a following client ends.
  const items = await collect(watch(h.client, id, 0, true));
  t.deepEqual(items.filter((i) => i.event?.kind === "finished").map((i) => i.event!.state), [State.STATE_CANCELLED, State.STATE_CANCELLED]);
  sub.unsubscribe();
});

test("a job no agent can run shows what it waits for, then fails after the build's wait timeout", async (t) => {
  const h = await startHarness(t);
  const template = JSON.stringify({ builders: [{ type: "docker", image: "debian:bookworm", discard: true }] });
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": template }), { waitTimeoutSeconds: 1 }));
  const id = build!.id;
  t.is(build!.jobs[0].waitingFor, "waiting for an agent with: docker");
  const failed = await waitFor("the wait timeout", async () => {
    const b = await rpc.getBuild(h.client, id);
    return b.state === State.STATE_FAILED ? b : undefined;
  });
  t.is(failed.jobs[0].error, "waiting for an agent with: docker for 1s (the build's wait timeout): no such agent joined the farm");
  t.is(failed.jobs[0].waitingFor, "");
  // The job's message is removed just after its record: waited for, not raced.
  t.true(await waitFor("the job's message removed from the queue", async () => ((await h.controller.bus.jsm.streams.info(JOBS_STREAM)).state.messages === 0 ? true : undefined)));
});

test("a job delivered max_deliver times without finishing is marked failed with the reason", async (t) => {
  const h = await startHarness(t, { settings: { ackWaitMs: 1000, maxDeliver: 2 } });
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": TWO_BUILDERS }), { only: ["local-file"] }));
  const id = build!.id;
  const bus = h.controller.bus;
  const info = await bus.jsm.consumers.info(JOBS_STREAM, jobConsumer("file"));
  t.is(info.config.ack_policy, AckPolicy.Explicit);
  t.is(info.config.max_deliver, 2);
  // An "agent" that takes the job and dies silently, twice.
  const consumer = await bus.js.consumers.get(JOBS_STREAM, jobConsumer("file"));
  for (let i = 0; i < 2; i++) {
    const m = await consumer.next({ expires: 5000 });
    t.truthy(m);
  }
  // JetStream notices the limit when it would deliver once more: agents are always pulling.
  t.is(await consumer.next({ expires: 3000 }), null);
  const failed = await waitFor("the max-deliveries advisory", async () => {
    const b = await rpc.getBuild(h.client, id);
    return b.state === State.STATE_FAILED ? b : undefined;
  });
  t.is(failed.jobs[0].error, "the job was delivered 2 times and its agent never finished it (agent lost?)");
  // The job's message is removed just after its record: waited for, not raced.
  t.true(await waitFor("the job's message removed from the queue", async () => ((await bus.jsm.streams.info(JOBS_STREAM)).state.messages === 0 ? true : undefined)));
});

test("a job lost while no controller runs is marked failed when a controller starts again (the advisory waited in a stream)", async (t) => {
  const h = await startHarness(t, { settings: { ackWaitMs: 1000, maxDeliver: 2 } });
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": TWO_BUILDERS }), { only: ["local-file"] }));
  const id = build!.id;
  await h.controller.stop();

  const bus = await connectBus({ url: h.nats.url, name: "dying-agent" });
  t.teardown(() => bus.close());
  const consumer = await bus.js.consumers.get(JOBS_STREAM, jobConsumer("file"));
  for (let i = 0; i < 2; i++) t.truthy(await consumer.next({ expires: 5000 }));
  t.is(await consumer.next({ expires: 3000 }), null);
  await waitFor("the advisory kept in its stream", async () => ((await bus.jsm.streams.info(LOST_JOBS_STREAM)).state.messages === 1 ? true : undefined));

  const again = await h.startAnother();
  const client = new FarmClient(`127.0.0.1:${again.port}`, credentials.createInsecure());
  t.teardown(() => client.close());
  const failed = await waitFor("the lost job marked failed", async () => {
    const b = await rpc.getBuild(client, id);
    return b.state === State.STATE_FAILED ? b : undefined;
  });
  t.is(failed.jobs[0].error, "the job was delivered 2 times and its agent never finished it (agent lost?)");
  await waitFor("the advisory consumed", async () => ((await bus.jsm.streams.info(LOST_JOBS_STREAM)).state.messages === 0 ? true : undefined));
  // The job's message is removed just after its record: waited for, not raced.
  t.true(await waitFor("the job's message removed from the queue", async () => ((await bus.jsm.streams.info(JOBS_STREAM)).state.messages === 0 ? true : undefined)));
});

test("after a nats-server kill -9 the running controller still marks lost jobs failed (its lost-jobs consumer survives)", async (t) => {
  t.timeout(90_000);
  const h = await startHarness(t, { settings: { ackWaitMs: 1000, maxDeliver: 2 } });
  await h.nats.restart({ crash: true });
  const { build } = await waitFor(
    "a submission to go through after the restart",
    async () => rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": TWO_BUILDERS }), { only: ["local-file"] })).catch(() => undefined),
    30_000,
  );
  const consumer = await h.controller.bus.js.consumers.get(JOBS_STREAM, jobConsumer("file"));
  for (let i = 0; i < 2; i++) t.truthy(await consumer.next({ expires: 5000 }));
  t.is(await consumer.next({ expires: 3000 }), null);
  const failed = await waitFor(
    "the max-deliveries advisory",
    async () => {
      const b = await rpc.getBuild(h.client, build!.id);
      return b.state === State.STATE_FAILED ? b : undefined;
    },
    30_000,
  );
  t.is(failed.jobs[0].error, "the job was delivered 2 times and its agent never finished it (agent lost?)");
});
