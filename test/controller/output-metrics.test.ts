/**
 * The controller's log-byte metrics count every line stored while other builds' output is purged
 * (their expiry): on nats-server 2.9.10 a consumer of the whole output stream was moved past all
 * it had not read yet by each of those purges (nats-server#3838).
 */
import test from "ava";
import { agentLogSubject, BUILD_OUTPUT_STREAM, buildLogSubject, buildOutputFilter, connectBus, ensureFarmResources, logLineHeaders } from "../../shared/bus/index.js";
import { feedOutputMetrics } from "../../controller/web/output-metrics.js";
import type { BuildIndex } from "../../controller/build-index.js";
import type { ControllerContext } from "../../controller/context.js";
import type { ControllerMetrics } from "../../controller/web/metrics.js";
import { silentLog } from "../../shared/operator-log.js";
import { startNatsServer } from "../fixtures/nats-server.js";
import { waitFor } from "./farm-harness.js";

test("log bytes are all counted, the controller's and the agents', while other builds' output is purged meanwhile", async (t) => {
  t.timeout(60_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const bus = await connectBus({ url: nats.url, name: "output-metrics-test" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 });

  let counted = 0;
  const metrics = { logStored: (_type: string, bytes: number) => void (counted += bytes), stepFinished() {} } as unknown as ControllerMetrics;
  const index = { job: () => ({ builderType: "null" }) } as unknown as BuildIndex;
  const ctx = { bus, log: silentLog, stopping: new AbortController().signal } as unknown as ControllerContext;
  // Output from before the feed started is not counted.
  await bus.js.publish(buildLogSubject("before"), "x".repeat(10), { headers: logLineHeaders({ jobIndex: 0, label: "b", level: "message", time: new Date().toISOString() }) });
  const feed = feedOutputMetrics(ctx, index, metrics);
  t.teardown(() => feed.stop());
  // The feed knows the stream's end once a message published now is counted.
  await bus.js.publish(buildLogSubject("first"), "y", { headers: logLineHeaders({ jobIndex: 0, label: "f", level: "message", time: new Date().toISOString() }) });
  await waitFor("the feed to start", async () => (counted === 1 ? true : undefined));

  const LINE = "a log line of forty bytes, give or take.";
  let published = 0;
  let purges = 0;
  for (let round = 0; round < 10; round++) {
    const expired = `expired-${round}`;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) {
      const headers = logLineHeaders({ jobIndex: 0, label: "l", level: "message", time: new Date().toISOString() });
      const subject = i % 2 === 0 ? buildLogSubject(`kept-${round}`) : agentLogSubject(`kept-${round}`, "agent-1");
      sends.push(bus.js.publish(subject, LINE, { headers }));
      sends.push(bus.js.publish(buildLogSubject(expired), LINE, { headers }));
    }
    await Promise.all(sends);
    published += 1000 * LINE.length;
    // The expiry of a build's output, as the sweep does it.
    await bus.jsm.streams.purge(BUILD_OUTPUT_STREAM, { filter: buildOutputFilter(expired) });
    purges++;
  }
  const expected = 1 + published;
  // The purged builds' lines may or may not have been counted before their purge: at least every kept line.
  await waitFor("every kept line to be counted", async () => (counted - 1 >= published ? true : undefined), 20_000).catch(() => undefined);
  t.true(counted >= expected, `${counted - 1} of at least ${published} log bytes counted over ${purges} purges`);
  t.true(counted <= expected + published, "no line counted twice");
});
