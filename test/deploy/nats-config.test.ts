import test from "ava";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  agentKey,
  buildKey,
  connectBus,
  controlSubject,
  encode,
  ensureFarmResources,
  ensureJobConsumer,
  JOBS_STREAM,
  jobConsumer,
  jobKey,
  jobSubject,
  missingFarmResources,
  type Bus,
} from "../../shared/bus/index.js";
import { NATS_SERVER, startNatsServer } from "../fixtures/nats-server.js";

const run = promisify(execFile);
// dist/test/deploy → the repository's deploy/nats
const natsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../deploy/nats");
const passwords = { KILN_NATS_CONTROLLER_PASSWORD: "controller-pw-5521", KILN_NATS_AGENT_PASSWORD: "agent-pw-8830" };
const settings = { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 };

for (const file of ["single.conf", "cluster-node1.conf", "cluster-node2.conf", "cluster-node3.conf"]) {
  test(`nats-server accepts deploy/nats/${file} (config test)`, async (t) => {
    const { stderr, stdout } = await run(NATS_SERVER, ["-c", path.join(natsDir, file), "-t"], { env: { ...process.env, ...passwords } });
    t.regex(stdout + stderr, /configuration file .* is valid/);
  });
}

test("the configs carry no secrets: passwords come from nats-server's environment, route passwords are a placeholder", async (t) => {
  const auth = await readFile(path.join(natsDir, "auth.conf"), "utf8");
  t.regex(auth, /password: \$KILN_NATS_CONTROLLER_PASSWORD/);
  t.regex(auth, /password: \$KILN_NATS_AGENT_PASSWORD/);
  for (const n of [1, 2, 3]) {
    const node = await readFile(path.join(natsDir, `cluster-node${n}.conf`), "utf8");
    t.regex(node, new RegExp(`server_name: kiln-nats-${n}\\n`));
    const settingsOnly = node.split("\n").filter((l) => !l.trim().startsWith("#")).join("\n");
    t.is(settingsOnly.match(/REPLACE-WITH-ROUTE-PASSWORD/g)?.length, 4);
  }
  // Without the passwords in its environment the server refuses to start rather than run open.
  const env = { ...process.env };
  delete env.KILN_NATS_AGENT_PASSWORD;
  await t.throwsAsync(run(NATS_SERVER, ["-c", path.join(natsDir, "single.conf"), "-t"], { env }));
});

async function connectAs(t: { teardown(fn: () => Promise<void>): void }, url: string, user: "kiln-controller" | "kiln-agent"): Promise<Bus> {
  const password = user === "kiln-controller" ? passwords.KILN_NATS_CONTROLLER_PASSWORD : passwords.KILN_NATS_AGENT_PASSWORD;
  const bus = await connectBus({ url, name: user, user, password });
  t.teardown(() => bus.close());
  return bus;
}

test("with deploy/nats/auth.conf an agent can do its whole job, and nothing that belongs to the controller", async (t) => {
  const server = await startNatsServer({ config: await readFile(path.join(natsDir, "auth.conf"), "utf8"), env: passwords });
  t.teardown(() => server.stop());
  const controller = await connectAs(t, server.url, "kiln-controller");
  await ensureFarmResources(controller.nc, settings);
  await ensureJobConsumer(controller.jsm, "null", settings);
  const bundle = new Uint8Array(300_000).fill(1);
  await controller.bundles.putBlob({ name: "bundle-sha" }, bundle);
  await controller.builds.put(buildKey("b1"), encode({ id: "b1" }));
  await controller.builds.put(jobKey("b1", 0), encode({ state: "queued" }));
  await controller.js.publish(jobSubject("null"), encode({ job: 0 }), { msgID: "b1.0" });

  const agent = await connectAs(t, server.url, "kiln-agent");
  t.deepEqual(await missingFarmResources(agent.jsm), []);
  await ensureJobConsumer(agent.jsm, "null", settings);
  await ensureJobConsumer(agent.jsm, "docker", settings);
  const control = agent.nc.subscribe(controlSubject("b1"), { max: 1 });
  const consumer = await agent.js.consumers.get(JOBS_STREAM, jobConsumer("null"));
  const job = await consumer.next({ expires: 2000 });
  t.is(job?.json<{ job: number }>().job, 0);
  job?.working();
  const record = await agent.builds.get(jobKey("b1", 0));
  await agent.builds.update(jobKey("b1", 0), encode({ state: "running" }), record?.revision ?? 0);
  t.is((await agent.builds.get(buildKey("b1")))?.json<{ id: string }>().id, "b1");
  await agent.agents.put(agentKey("host-1"), encode({ name: "host-1" }));
  await agent.js.publish("kiln.build.b1.log", encode({ text: "hello" }));
  await agent.js.publish("kiln.build.b1.event", encode({ kind: "job-started" }));
  agent.nc.publish("kiln.errors.undecodable", "garbage");
  t.deepEqual(await agent.bundles.getBlob("bundle-sha"), bundle);
  await agent.artifacts.putBlob({ name: "b1/0/out.img" }, new Uint8Array(200_000).fill(2));
  await agent.artifacts.putBlob({ name: "b1/0/out.img" }, new Uint8Array(10).fill(3)); // a retried upload replaces it
  const watch = await agent.builds.watch({ key: buildKey("b1") });
  for await (const e of watch) {
    t.is(e.key, buildKey("b1"));
    break;
  }
  controller.nc.publish(controlSubject("b1"), encode({ kind: "cancel" }));
  for await (const m of control) t.is(m.json<{ kind: string }>().kind, "cancel");
  await job?.ackAck();
  await agent.agents.delete(agentKey("host-1"));

  t.is((await controller.artifacts.getBlob("b1/0/out.img"))?.length, 10);
  t.is((await controller.builds.get(jobKey("b1", 0)))?.json<{ state: string }>().state, "running");
  t.is((await controller.jsm.streams.info("KILN_BUILD_OUTPUT")).state.messages, 2);

  // What only the controller may do: the server refuses each (and says so in its log).
  const denied = /permissions violation/i;
  await t.throwsAsync(agent.js.publish(jobSubject("null"), encode({ job: 1 })), { message: denied }, "queue a job");
  await t.throwsAsync(agent.builds.put(buildKey("b1"), encode({ id: "forged" })), { message: denied }, "write a build record");
  await t.throwsAsync(agent.bundles.putBlob({ name: "forged" }, new Uint8Array(10)), undefined, "write a bundle");
  await t.throwsAsync(agent.jsm.streams.delete(JOBS_STREAM), { message: denied }, "delete the jobs stream");
  await t.throwsAsync(agent.jsm.streams.purge("KILN_BUILD_OUTPUT"), { message: denied }, "purge build output");
  // Every violation the server logged is one of those refusals: the agent's real work needed nothing it lacks.
  const violations = [...server.log().matchAll(/(Publish|Subscription) Violation - User "([^"]+)", Subject "([^"]+)"/g)].map(
    (m) => `${m[2]} ${m[1]} ${m[3].replace(/^(\$O\.kiln_bundles\.C)\..*/, "$1.*")}`,
  );
  t.deepEqual(violations, [
    "kiln-agent Publish kiln.jobs.null",
    "kiln-agent Publish $KV.kiln_builds.build.b1",
    "kiln-agent Publish $O.kiln_bundles.C.*",
    "kiln-agent Publish $JS.API.STREAM.PURGE.OBJ_kiln_bundles",
    "kiln-agent Publish $JS.API.STREAM.DELETE.KILN_JOBS",
    "kiln-agent Publish $JS.API.STREAM.PURGE.KILN_BUILD_OUTPUT",
  ]);
  t.is((await controller.builds.get(buildKey("b1")))?.json<{ id: string }>().id, "b1");
  t.is((await controller.jsm.streams.info(JOBS_STREAM)).state.messages, 0);
  t.is(await controller.bundles.info("forged"), null);
});
