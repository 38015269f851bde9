/**
 * Queue priority on a farm: with a backlog of normal jobs on a one-slot agent, a high-priority job
 * submitted later is the next one the agent takes, and a low-priority one waits for every normal
 * one. Real nats-server, controller and agent; jobs are null builds held at a gate (a file the
 * test creates) so the order is the agent's, not the machine's timing.
 */
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { startAgent } from "../../../agent/farm/index.js";
import { startController } from "../../../controller/index.js";
import { FarmClient, State } from "../../../proto/gen/kiln/v1/farm.js";
import { startNatsServer } from "../../fixtures/nats-server.js";
import { packTemplate, rpc, submitRequest, waitFor } from "../../controller/farm-harness.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

test("a high-priority job queued behind a backlog is taken next by the busy agent; a low one after every normal one", async (t) => {
  t.timeout(120_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, sweepIntervalMs: 200 });
  t.teardown(() => controller.stop());
  const client = new FarmClient(`127.0.0.1:${controller.port}`, credentials.createInsecure());
  t.teardown(() => client.close());
  const agent = await startAgent({ nats: { url: nats.url }, name: "agent-one-slot", slots: 1, builders: ["null"], pullExpiresMs: 1000, queueRefreshMs: 200 });
  t.teardown(() => agent.stop());
  const dir = tempDirSync("kiln-priority-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const gate = join(dir, "gate");
  const held = (names: string[]): string =>
    JSON.stringify({
      builders: names.map((name) => ({ type: "null", name, communicator: "none" })),
      provisioners: [{ type: "shell-local", inline: [`while [ ! -e ${gate} ]; do sleep 0.05; done`] }],
    });

  const backlog = await rpc.submitBuild(client, submitRequest(await packTemplate(dir, { "template.json": held(["n1", "n2", "n3", "n4"]) })));
  await waitFor("a backlog job to run", async () => ((await rpc.getBuild(client, backlog.build!.id)).jobs.some((j) => j.state === State.STATE_RUNNING) ? true : undefined), 30_000);
  const low = await rpc.submitBuild(
    client,
    submitRequest(await packTemplate(dir, { "template.json": held(["later"]) }), { policies: { later: { retries: 0, retryOn: "", timeoutMs: 0, labels: [], priority: "low" } } }),
  );
  const high = await rpc.submitBuild(
    client,
    submitRequest(await packTemplate(dir, { "template.json": held(["urgent"]) }), { policies: { urgent: { retries: 0, retryOn: "", timeoutMs: 0, labels: [], priority: "high" } } }),
  );
  t.is(high.build!.jobs[0]!.priority, "high");
  t.is(low.build!.jobs[0]!.priority, "low");
  await waitFor("the agent to pull the high and low queues", async () => (["null__P_high", "null__P_low"].every((q) => agent.queues().includes(q)) ? true : undefined), 30_000);
  writeFileSync(gate, "");

  const ids = [backlog.build!.id, low.build!.id, high.build!.id];
  const jobs = await waitFor(
    "every job to finish",
    async () => {
      const all = (await Promise.all(ids.map((id) => rpc.getBuild(client, id)))).flatMap((b) => b.jobs);
      return all.every((j) => j.state === State.STATE_SUCCEEDED) ? all : undefined;
    },
    90_000,
  );
  const order = [...jobs].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map((j) => j.name);
  t.true(order[0]!.startsWith("n"), `started in order ${order.join(", ")}`);
  t.is(order[1], "urgent", `started in order ${order.join(", ")}`);
  t.deepEqual(order.slice(2, 5).sort(), ["n1", "n2", "n3", "n4"].filter((n) => n !== order[0]));
  t.is(order[5], "later", `started in order ${order.join(", ")}`);
});
