/**
 * The client's watch (cli/farm-client/watch.ts) against a controller whose NATS stays away longer
 * than the controller rides out by itself: the controller ends the call as UNAVAILABLE (never
 * INTERNAL), the client asks again after its last sequence, and shows every item once.
 */
import test from "ava";
import { status } from "@grpc/grpc-js";
import { buildEventSubject, buildLogSubject, encode, jobKey, publishDurably, type BuildEvent, type JobRecord } from "../../shared/bus/index.js";
import { createOperatorLog } from "../../controller/index.js";
import { FarmConnection } from "../../cli/farm-client/connect.js";
import { watchBuildOutput } from "../../cli/farm-client/watch.js";
import type { BuildOutput } from "../../proto/gen/kiln/v1/farm.js";
import { FarmClient } from "../../proto/gen/kiln/v1/farm.js";
import { credentials } from "@grpc/grpc-js";
import { packTemplate, rpc, startHarness, submitRequest, waitFor } from "../controller/farm-harness.js";

const ONE_BUILDER = JSON.stringify({ builders: [{ type: "file", name: "f", target: "out.txt", content: "x" }] });

test("NATS down longer than the controller waits: the watch ends UNAVAILABLE, the client resumes after its last sequence, every line once", async (t) => {
  t.timeout(120_000); // a NATS crash and restart on a loaded 2-core machine
  const h = await startHarness(t, { settings: { busOutageMs: 1_000 }, log: process.env.KILN_TEST_LOG ? createOperatorLog(process.stderr, "text", "controller") : undefined });
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
  const id = build!.id;
  const bus = h.controller.bus;
  let n = 0;
  const say = async (text: string): Promise<void> => {
    const line = { jobIndex: 0, label: "f", level: "say", text, time: new Date().toISOString() };
    await publishDurably(bus.js, buildLogSubject(id), encode(line), { msgID: `${id}.${n++}`, deadlineMs: 30_000 });
  };
  await say("one");

  const conn = new FarmConnection({ address: h.controller.address, warn: () => undefined });
  t.teardown(() => conn.close());
  const items: BuildOutput[] = [];
  const reconnects: string[] = [];
  const watching = watchBuildOutput(conn, { buildId: id, follow: true, onItem: (i) => items.push(i), onReconnecting: (r) => reconnects.push(r) });
  await waitFor("the first line", async () => (items.length >= 2 ? true : undefined));

  await h.nats.halt({ crash: true });
  // The controller gives up on its own after 1 s and tells the client UNAVAILABLE, which retries.
  await waitFor("the client to be told the bus is away", async () => (reconnects.length > 0 ? true : undefined), 30_000);
  await h.nats.resume();
  await say("two");
  const entry = (await bus.builds.get(jobKey(id, 0)))!;
  await bus.builds.put(jobKey(id, 0), encode({ ...entry.json<JobRecord>(), state: "succeeded", agent: "a1", attempts: 1, finishedAt: new Date().toISOString() }));
  const finished: BuildEvent = { kind: "job-finished", jobIndex: 0, name: "f", state: "succeeded", durationMs: 5, artifacts: [], time: new Date().toISOString() };
  await publishDurably(bus.js, buildEventSubject(id), encode(finished), { msgID: `${id}.finished`, deadlineMs: 30_000 });

  await watching;
  t.deepEqual(items.map((i) => i.log?.text ?? `<${i.event?.kind}>`), ["<queued>", "one", "two", "<finished>"]);
  t.regex(reconnects[0], /NATS has been unreachable for more than 1 s/);
});

test("a bus outage reaching a unary call is UNAVAILABLE, not INTERNAL", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t);
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
  await h.nats.halt({ crash: true });
  const client = new FarmClient(h.controller.address, credentials.createInsecure());
  t.teardown(() => client.close());
  const e = await t.throwsAsync(rpc.getBuild(client, build!.id));
  t.is((e as unknown as { code: number }).code, status.UNAVAILABLE, e?.message);
  t.regex(e!.message, /NATS is unreachable or restarting/);
});

test("kiln's getBuild asks again while the controller says its NATS is away, and answers once it is back; an unreachable controller fails at once", async (t) => {
  t.timeout(90_000);
  const h = await startHarness(t);
  const { build } = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": ONE_BUILDER })));
  const conn = new FarmConnection({ address: h.controller.address, warn: () => undefined });
  t.teardown(() => conn.close());
  await h.nats.halt({ crash: true });
  const asking = conn.getBuild(build!.id);
  // The first answers are UNAVAILABLE with the bus-outage trailer (a KV read times out in 5 s).
  const raw = new FarmClient(h.controller.address, credentials.createInsecure());
  t.teardown(() => raw.close());
  const e = await t.throwsAsync(rpc.getBuild(raw, build!.id));
  t.is((e as unknown as { code: number }).code, status.UNAVAILABLE);
  await h.nats.resume();
  t.is((await asking).id, build!.id);

  const nowhere = new FarmConnection({ address: "127.0.0.1:1", warn: () => undefined });
  t.teardown(() => nowhere.close());
  const started = Date.now();
  await t.throwsAsync(nowhere.getBuild(build!.id), { message: /cannot reach the controller at 127\.0\.0\.1:1/ });
  t.true(Date.now() - started < 5_000);
});
