import test from "ava";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { JobRecordRefusedError, updateJobRecord } from "../../agent/farm/job-record.js";
import { serveAgentJobRecords, silentLog } from "../../controller/index.js";
import {
  agentEventSubject,
  agentInboxPrefix,
  agentLogSubject,
  agentJobRecordSubject,
  agentKey,
  artifactObjectName,
  buildKey,
  buildLogSubject,
  ARTIFACTS_STORE,
  BUILDS_BUCKET,
  BUNDLES_STORE,
  connectArtifactStore,
  connectBus,
  controlSubject,
  getObject,
  encode,
  ensureFarmResources,
  ensureJobConsumer,
  JOBS_STREAM,
  jobConsumer,
  jobKey,
  jobSubject,
  missingFarmResources,
  type Bus,
  type BuildRecord,
  type JobMessage,
  type JobRecord,
} from "../../shared/bus/index.js";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { NATS_SERVER, startNatsServer } from "../fixtures/nats-server.js";

const run = promisify(execFile);
// dist/test/deploy → the repository's deploy/nats
const natsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../deploy/nats");
const passwords = {
  KILN_NATS_CONTROLLER_PASSWORD: "controller-pw-5521",
  KILN_NATS_AGENT_PASSWORD_AGENT_1: "agent-pw-8830",
  KILN_NATS_AGENT_PASSWORD_HOST_A: "host-a-pw-1177",
  KILN_NATS_AGENT_PASSWORD_HOST_B: "host-b-pw-6402",
  KILN_NATS_ARTIFACT_READER_PASSWORD: "reader-pw-4410",
};
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
  t.regex(auth, /password: \$KILN_NATS_AGENT_PASSWORD_AGENT_1\n/);
  for (const n of [1, 2, 3]) {
    const node = await readFile(path.join(natsDir, `cluster-node${n}.conf`), "utf8");
    t.regex(node, new RegExp(`server_name: kiln-nats-${n}\\n`));
    const settingsOnly = node.split("\n").filter((l) => !l.trim().startsWith("#")).join("\n");
    t.is(settingsOnly.match(/REPLACE-WITH-ROUTE-PASSWORD/g)?.length, 4);
  }
  // Without the passwords in its environment the server refuses to start rather than run open.
  const env = { ...process.env, ...passwords };
  delete (env as Record<string, string | undefined>).KILN_NATS_AGENT_PASSWORD_AGENT_1;
  await t.throwsAsync(run(NATS_SERVER, ["-c", path.join(natsDir, "single.conf"), "-t"], { env }));
});

/** deploy/nats/make-auth-conf.sh's output for these agents: the config an operator makes. */
async function authConfFor(...agents: string[]): Promise<string> {
  return (await run(path.join(natsDir, "make-auth-conf.sh"), agents)).stdout;
}

test("the shipped auth.conf is make-auth-conf.sh's output (no drift), and the script refuses a name that is no subject token", async (t) => {
  t.is(await readFile(path.join(natsDir, "auth.conf"), "utf8"), await authConfFor("agent-1"));
  const err = await t.throwsAsync(run(path.join(natsDir, "make-auth-conf.sh"), ["host.a"]));
  t.regex(String((err as { stderr?: string } | undefined)?.stderr), /agent name "host\.a": letters, digits, _ and - only/);
});

type User = "kiln-controller" | "kiln-agent-host-a" | "kiln-agent-host-b";
const passwordOf: Record<User, string> = {
  "kiln-controller": passwords.KILN_NATS_CONTROLLER_PASSWORD,
  "kiln-agent-host-a": passwords.KILN_NATS_AGENT_PASSWORD_HOST_A,
  "kiln-agent-host-b": passwords.KILN_NATS_AGENT_PASSWORD_HOST_B,
};

async function connectAs(t: { teardown(fn: () => Promise<void>): void }, url: string, user: User): Promise<Bus> {
  const agent = user.startsWith("kiln-agent-") ? user.slice("kiln-agent-".length) : undefined;
  const bus = await connectBus({ url, name: user, user, password: passwordOf[user], ...(agent ? { inboxPrefix: agentInboxPrefix(agent) } : {}) });
  t.teardown(() => bus.close());
  return bus;
}

function violations(log: string): string[] {
  return [...log.matchAll(/(Publish|Subscription) Violation - User "([^"]+)", Subject "([^"]+)"/g)].map(
    (m) => `${m[2]} ${m[1]} ${m[3].replace(/^(\$O\.kiln_(?:bundles|artifacts)\.[CM])\..*/, "$1.*")}`,
  );
}

test("with deploy/nats auth an agent can do its whole job, and nothing that belongs to the controller or another agent", async (t) => {
  t.timeout(60_000);
  const server = await startNatsServer({ config: await authConfFor("host-a", "host-b"), env: passwords });
  t.teardown(() => server.stop());
  const controller = await connectAs(t, server.url, "kiln-controller");
  await ensureFarmResources(controller.nc, settings);
  await ensureJobConsumer(controller.jsm, "null", settings);
  const records = serveAgentJobRecords({ bus: controller, log: silentLog });
  t.teardown(() => records.stop());
  const bundle = new Uint8Array(300_000).fill(1);
  await controller.bundles.putBlob({ name: "bundle-sha" }, bundle);
  await controller.builds.put(buildKey("b1"), encode(buildRecord("b1", 1)));
  await controller.builds.put(jobKey("b1", 0), encode(queuedJob("b1", 0)));
  await controller.builds.put(buildKey("b2"), encode(buildRecord("b2", 1)));
  await controller.builds.put(jobKey("b2", 0), encode(queuedJob("b2", 0)));
  await controller.js.publish(jobSubject("null"), encode(jobMessage("b1", 0)), { msgID: "b1.0" });

  // host-a does its whole job.
  const agent = await connectAs(t, server.url, "kiln-agent-host-a");
  const asA = { kv: agent.builds, nc: agent.nc, agentName: "host-a" };
  t.deepEqual(await missingFarmResources(agent.jsm), []);
  await ensureJobConsumer(agent.jsm, "null", settings);
  await ensureJobConsumer(agent.jsm, "docker", settings);
  const control = agent.nc.subscribe(controlSubject("b1"), { max: 1 });
  const consumer = await agent.js.consumers.get(JOBS_STREAM, jobConsumer("null"));
  const job = await consumer.next({ expires: 2000 });
  const message = job?.json<JobMessage>();
  t.is(message?.buildId, "b1");
  job?.working();
  await updateJobRecord(asA, message!, (r) => ({ ...r, state: "running", agent: "host-a", attempts: 1 }));
  t.is((await agent.builds.get(buildKey("b1")))?.json<{ id: string }>().id, "b1");
  await agent.agents.put(agentKey("host-a"), encode({ name: "host-a" }));
  await agent.js.publish(agentLogSubject("b1", "host-a"), encode({ text: "hello" }));
  await agent.js.publish(agentEventSubject("b1", "host-a"), encode({ kind: "job-started" }));
  agent.nc.publish("kiln.errors.undecodable", "garbage");
  t.deepEqual(await agent.bundles.getBlob("bundle-sha"), bundle);
  await agent.artifacts.putBlob({ name: artifactObjectName("b1", 0, 1, "out.img") }, new Uint8Array(200_000).fill(2));
  const watch = await agent.builds.watch({ key: buildKey("b1") });
  for await (const e of watch) {
    t.is(e.key, buildKey("b1"));
    break;
  }
  controller.nc.publish(controlSubject("b1"), encode({ kind: "cancel" }));
  for await (const m of control) t.is(m.json<{ kind: string }>().kind, "cancel");
  await updateJobRecord(asA, message!, (r) => ({ ...r, state: "succeeded", finishedAt: new Date().toISOString() }));
  await job?.ackAck();
  await agent.agents.delete(agentKey("host-a"));
  t.is((await controller.artifacts.getBlob(artifactObjectName("b1", 0, 1, "out.img")))?.length, 200_000);
  t.is((await controller.builds.get(jobKey("b1", 0)))?.json<JobRecord>().state, "succeeded");
  t.is((await controller.jsm.streams.info("KILN_BUILD_OUTPUT")).state.messages, 2);
  t.deepEqual(violations(server.log()), [], "host-a's real work needed nothing it lacks");

  // What only the controller may do, and what belongs to other agents or builds: each refused.
  const other = await connectAs(t, server.url, "kiln-agent-host-b");
  const asB = { kv: other.builds, nc: other.nc, agentName: "host-b" };
  const denied = /permissions violation/i;
  await t.throwsAsync(other.js.publish(jobSubject("null"), encode(jobMessage("b9", 0))), { message: denied }, "queue a job");
  await t.throwsAsync(other.js.publish(buildLogSubject("b1"), encode({ text: "forged" })), { message: denied }, "log as the controller");
  await t.throwsAsync(other.js.publish(agentLogSubject("b1", "host-a"), encode({ text: "forged" })), { message: denied }, "log as host-a");
  await t.throwsAsync(other.builds.put(buildKey("b1"), encode({ id: "forged" })), { message: denied }, "write a build record");
  await t.throwsAsync(other.builds.put(jobKey("b2", 0), encode({ state: "failed" })), { message: denied }, "write a job record itself");
  // Through the controller: not a record of a job another agent holds, nor of a finished job.
  await updateJobRecord(asA, jobMessage("b2", 0), (r) => ({ ...r, state: "running", agent: "host-a", attempts: 1 }));
  await t.throwsAsync(updateJobRecord(asB, jobMessage("b2", 0), (r) => ({ ...r, state: "failed", agent: "host-b", error: "forged" })), {
    instanceOf: JobRecordRefusedError,
    message: /held by agent host-a/,
  });
  await t.throwsAsync(updateJobRecord(asB, jobMessage("b2", 0), (r) => ({ ...r, agent: "host-a", error: "forged" })), {
    instanceOf: JobRecordRefusedError,
    message: /may not record the job as run by host-a/,
  });
  await t.throwsAsync(updateJobRecord(asB, jobMessage("b1", 0), (r) => ({ ...r, state: "running", agent: "host-b", attempts: 2 })), {
    instanceOf: JobRecordRefusedError,
    message: /already succeeded/,
  });
  await t.throwsAsync(other.nc.request(agentJobRecordSubject("host-a"), encode({}), { timeout: 2000 }), undefined, "ask in host-a's name");
  await t.throwsAsync(other.agents.put(agentKey("host-a"), encode({ name: "forged" })), { message: denied }, "write another agent's presence");
  await t.throwsAsync(other.bundles.putBlob({ name: "forged" }, new Uint8Array(10)), undefined, "write a bundle");
  await t.throwsAsync(other.jsm.streams.purge("OBJ_kiln_artifacts"), { message: denied }, "purge the artifacts store");
  await t.throwsAsync(other.jsm.streams.delete("OBJ_kiln_artifacts"), { message: denied }, "delete the artifacts store");
  await t.throwsAsync(other.jsm.streams.purge("OBJ_kiln_bundles"), { message: denied }, "purge the bundles store");
  await t.throwsAsync(other.jsm.streams.delete(JOBS_STREAM), { message: denied }, "delete the jobs stream");
  await t.throwsAsync(other.jsm.streams.purge("KILN_BUILD_OUTPUT"), { message: denied }, "purge build output");
  // The controller's replies (records, bundles it reads, job messages it checks) go to _INBOX.*: not for agents.
  const eavesdrop = other.nc.subscribe("_INBOX.>");
  const heard: string[] = [];
  void (async () => {
    for await (const m of eavesdrop) heard.push(m.subject);
  })().catch(() => undefined);
  await other.nc.flush();
  await controller.builds.get(buildKey("b1"));
  await controller.bundles.getBlob("bundle-sha");
  await waitUntil(() => violations(server.log()).some((v) => v.includes("Subscription _INBOX.>")), 5_000);
  t.deepEqual(heard, []);

  t.deepEqual(violations(server.log()), [
    "kiln-agent-host-b Publish kiln.jobs.null",
    "kiln-agent-host-b Publish kiln.build.b1.log",
    "kiln-agent-host-b Publish kiln.build.b1.by.host-a.log",
    "kiln-agent-host-b Publish $KV.kiln_builds.build.b1",
    "kiln-agent-host-b Publish $KV.kiln_builds.job.b2.0",
    "kiln-agent-host-b Publish kiln.agent.host-a.job-record",
    "kiln-agent-host-b Publish $KV.kiln_agents.agent.host-a",
    "kiln-agent-host-b Publish $O.kiln_bundles.C.*",
    "kiln-agent-host-b Publish $JS.API.STREAM.PURGE.OBJ_kiln_bundles",
    "kiln-agent-host-b Publish $JS.API.STREAM.PURGE.OBJ_kiln_artifacts",
    "kiln-agent-host-b Publish $JS.API.STREAM.DELETE.OBJ_kiln_artifacts",
    "kiln-agent-host-b Publish $JS.API.STREAM.PURGE.OBJ_kiln_bundles",
    "kiln-agent-host-b Publish $JS.API.STREAM.DELETE.KILN_JOBS",
    "kiln-agent-host-b Publish $JS.API.STREAM.PURGE.KILN_BUILD_OUTPUT",
    "kiln-agent-host-b Subscription _INBOX.>",
  ]);
  // Nothing changed: the records, the stores and the streams are as host-a and the controller left them.
  t.is((await controller.builds.get(buildKey("b1")))?.json<{ id: string }>().id, "b1");
  t.deepEqual((await controller.builds.get(jobKey("b2", 0)))?.json<JobRecord>().state, "running");
  t.is((await controller.builds.get(jobKey("b2", 0)))?.json<JobRecord>().agent, "host-a");
  t.is((await controller.artifacts.getBlob(artifactObjectName("b1", 0, 1, "out.img")))?.length, 200_000);
  t.is(await controller.bundles.info("forged"), null);
  t.is((await controller.jsm.streams.info(JOBS_STREAM)).state.messages, 0);
});

test("the artifact reader (make-auth-conf.sh --artifact-reader) reads artifact objects, and nothing else", async (t) => {
  t.timeout(60_000);
  const config = (await run(path.join(natsDir, "make-auth-conf.sh"), ["--artifact-reader", "host-a"])).stdout;
  t.regex(config, /make-auth-conf\.sh --artifact-reader host-a`/);
  const server = await startNatsServer({ config, env: passwords });
  t.teardown(() => server.stop());
  const controller = await connectAs(t, server.url, "kiln-controller");
  await ensureFarmResources(controller.nc, settings);
  await controller.builds.put(buildKey("b1"), encode(buildRecord("b1", 1)));
  await controller.bundles.putBlob({ name: "bundle-sha" }, new Uint8Array(1000).fill(1));
  const name = artifactObjectName("b1", 0, 1, "disk.img");
  const bytes = new Uint8Array(1_000_000).map((_, i) => i % 251);
  await controller.artifacts.putBlob({ name }, bytes);

  // What `kiln artifacts --download --nats` does: the object's metadata, then its chunks.
  const reader = await connectArtifactStore({ url: server.url, name: "reader", user: "kiln-artifact-reader", password: passwords.KILN_NATS_ARTIFACT_READER_PASSWORD });
  t.teardown(() => reader.close());
  for (let i = 0; i < 2; i++) {
    const object = await getObject({ js: reader.js, store: reader.artifacts, bucket: ARTIFACTS_STORE }, name);
    const read: Uint8Array[] = [];
    for await (const chunk of object!.data) read.push(chunk);
    t.deepEqual(Buffer.concat(read), Buffer.from(bytes));
  }
  t.deepEqual(violations(server.log()), [], "reading an artifact needs nothing the reader lacks");

  // Everything else is refused: records, bundles, writes, purges, other inboxes, build output.
  const denied = /permissions violation/i;
  const { nc, js } = reader;
  const objm = new Objm(js);
  await t.throwsAsync(async () => (await new Kvm(js).open(BUILDS_BUCKET)).get(buildKey("b1")), undefined, "read a build record");
  await t.throwsAsync((await objm.open(BUNDLES_STORE, false)).getBlob("bundle-sha"), undefined, "read a bundle");
  await t.throwsAsync(reader.artifacts.putBlob({ name: "forged" }, new Uint8Array(10)), undefined, "write an artifact");
  await t.throwsAsync(reader.artifacts.delete(name), undefined, "delete an artifact");
  await t.throwsAsync(js.publish(jobSubject("null"), encode(jobMessage("b9", 0))), { message: denied }, "queue a job");
  const jsmOfReader = await jetstreamManager(nc, { checkAPI: false });
  await t.throwsAsync(jsmOfReader.streams.purge("OBJ_kiln_artifacts"), { message: denied }, "purge the artifacts store");
  await t.throwsAsync(jsmOfReader.streams.delete("OBJ_kiln_artifacts"), { message: denied }, "delete the artifacts store");
  const eavesdrop = nc.subscribe("_INBOX.>");
  const listen = nc.subscribe("kiln.>");
  await nc.flush();
  await waitUntil(() => violations(server.log()).filter((v) => v.includes("Subscription")).length === 2, 5_000);
  eavesdrop.unsubscribe();
  listen.unsubscribe();

  t.deepEqual(violations(server.log()).sort(), [
    "kiln-artifact-reader Publish $JS.API.STREAM.MSG.GET.KV_kiln_builds",
    "kiln-artifact-reader Publish $JS.API.STREAM.MSG.GET.OBJ_kiln_bundles",
    "kiln-artifact-reader Publish $O.kiln_artifacts.C.*",
    "kiln-artifact-reader Publish $O.kiln_artifacts.M.*",
    // The delete of one object (a purge of its chunks' subject), then of the whole store.
    "kiln-artifact-reader Publish $JS.API.STREAM.PURGE.OBJ_kiln_artifacts",
    "kiln-artifact-reader Publish $JS.API.STREAM.PURGE.OBJ_kiln_artifacts",
    "kiln-artifact-reader Publish $JS.API.STREAM.DELETE.OBJ_kiln_artifacts",
    "kiln-artifact-reader Publish kiln.jobs.null",
    "kiln-artifact-reader Subscription _INBOX.>",
    "kiln-artifact-reader Subscription kiln.>",
  ].sort());
  // Nothing changed.
  t.deepEqual(await controller.artifacts.getBlob(name), bytes);
  t.is(await controller.artifacts.info("forged"), null);
});

async function waitUntil(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

function buildRecord(id: string, jobCount: number): BuildRecord {
  return { id, template: "template.json", submittedAt: new Date().toISOString(), jobCount, jobNames: ["null"], cancelRequested: false, waitTimeoutMs: 0 };
}

function queuedJob(buildId: string, jobIndex: number): JobRecord {
  return { buildId, jobIndex, name: "null", builderType: "null", needs: [], state: "queued", attempts: 0, artifacts: [] };
}

/** A job message as the controller queues it (the parts updateJobRecord and the consumer read). */
function jobMessage(buildId: string, jobIndex: number): JobMessage {
  return {
    buildId,
    jobIndex,
    templateInBundle: "template.json",
    bundle: { sha256: "0".repeat(64), size: 0 },
    spec: {
      name: "null",
      builder: { type: "null", config: { communicator: "none" } },
      provisioners: [],
      postProcessorChains: [],
      variables: {},
      declaredVariables: [],
      sensitiveValues: [],
      template: { displayPath: "template.json", path: "template.json" },
      files: [],
      initTime: new Date().toISOString(),
      runUuid: "run-1",
    },
    onError: "cleanup",
    force: false,
    needs: [],
    submittedAt: new Date().toISOString(),
  };
}
