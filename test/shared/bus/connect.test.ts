import test from "ava";
import { createHash, randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { nkeys } from "@nats-io/transport-node";
import {
  agentKey,
  BusConnectError,
  connectBus,
  decodeAgentPresence,
  decodeJobRecord,
  encode,
  ensureFarmResources,
  jobKey,
  type AgentPresence,
  type JobRecord,
} from "../../../shared/bus/index.js";
import { freePort, startNatsServer } from "../../fixtures/nats-server.js";
import { tempDir as newTempDir } from "../../fixtures/temp-dir.js";

const settings = { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 };

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await newTempDir("kiln-bus-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("a server with user/password auth refuses a client without credentials and one with a wrong password, naming what to check", async (t) => {
  const server = await startNatsServer({ user: "kiln-agent", password: "right-pw-1" });
  t.teardown(() => server.stop());

  const none = await t.throwsAsync(connectBus({ url: server.url, name: "no creds" }), { instanceOf: BusConnectError });
  t.is(none?.message, `NATS at ${server.url} requires credentials: set --nats-user/--nats-password (KILN_NATS_USER/KILN_NATS_PASSWORD) or --nats-creds (KILN_NATS_CREDS)`);

  const wrong = await t.throwsAsync(connectBus({ url: server.url, name: "wrong pw", user: "kiln-agent", password: "wrong-pw" }), {
    instanceOf: BusConnectError,
  });
  t.is(wrong?.message, `NATS refused the credentials for user kiln-agent at ${server.url}: check --nats-user/--nats-password (KILN_NATS_USER/KILN_NATS_PASSWORD)`);
  t.false(wrong?.message.includes("wrong-pw"), "the password is never in the error");

  const bus = await connectBus({ url: server.url, name: "right pw", user: "kiln-agent", password: "right-pw-1" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, settings);
  t.is((await bus.jsm.streams.names().next()).length, 7); // jobs, output, lost jobs, 2 KV buckets, 2 object stores
});

test("nkey auth: a seed file logs in; a file that is no credentials at all gets a clear error", async (t) => {
  const user = nkeys.createUser();
  const server = await startNatsServer({ config: `authorization { users: [ { nkey: ${user.getPublicKey()} } ] }` });
  t.teardown(() => server.stop());
  const dir = await tempDir(t);
  const seedFile = path.join(dir, "agent.nk");
  await writeFile(seedFile, `# kiln agent seed\n${new TextDecoder().decode(user.getSeed())}\n`, { mode: 0o600 });

  const bus = await connectBus({ url: server.url, name: "nkey agent", credsFile: seedFile });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, settings);

  const other = nkeys.createUser();
  const otherFile = path.join(dir, "other.nk");
  await writeFile(otherFile, new TextDecoder().decode(other.getSeed()));
  const refused = await t.throwsAsync(connectBus({ url: server.url, name: "unknown nkey", credsFile: otherFile }), { instanceOf: BusConnectError });
  t.is(refused?.message, `NATS refused the credentials in ${otherFile} at ${server.url}: check --nats-creds/KILN_NATS_CREDS`);

  const junk = path.join(dir, "junk.txt");
  await writeFile(junk, "hello\n");
  const bad = await t.throwsAsync(connectBus({ url: server.url, name: "junk", credsFile: junk }), { instanceOf: BusConnectError });
  t.regex(bad?.message ?? "", /junk\.txt is neither a NATS \.creds file nor an nkey user seed/);
  const missing = await t.throwsAsync(connectBus({ url: server.url, name: "missing", credsFile: path.join(dir, "nope.creds") }), {
    instanceOf: BusConnectError,
  });
  t.regex(missing?.message ?? "", /cannot read the NATS credentials file .*nope\.creds .*check --nats-creds/);
});

test("an unreachable server is reported with the URL and what to check", async (t) => {
  const port = await freePort(); // nothing listens there
  const err = await t.throwsAsync(connectBus({ url: `nats://127.0.0.1:${port}`, name: "lonely", connectTimeoutMs: 2000 }), {
    instanceOf: BusConnectError,
  });
  t.regex(err?.message ?? "", new RegExp(`^cannot reach NATS at nats://127\\.0\\.0\\.1:${port} \\(.+\\): check --nats/KILN_NATS_URL and that nats-server is running$`));
  await t.throwsAsync(connectBus({ url: " , ", name: "empty" }), { message: /no NATS URL given: set --nats or KILN_NATS_URL/ });
});

test("a server without JetStream is reported as such", async (t) => {
  // The fixture always enables JetStream; an account with JetStream disabled behaves like a server without it.
  const server = await startNatsServer({
    config: `accounts { NOJS: { jetstream: disabled, users: [ { user: plain, password: plain-pw } ] } }`,
  });
  t.teardown(() => server.stop());
  const err = await t.throwsAsync(connectBus({ url: server.url, name: "no js", user: "plain", password: "plain-pw" }), { instanceOf: BusConnectError });
  t.regex(err?.message ?? "", /JetStream is not usable .*start nats-server with JetStream enabled/);
});

test("the bus handles round-trip records through KV and files through the object stores", async (t) => {
  const server = await startNatsServer();
  t.teardown(() => server.stop());
  const bus = await connectBus({ url: `${server.url}, nats://127.0.0.1:${await freePort()}`, name: "roundtrip" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, settings);

  const record: JobRecord = {
    buildId: "b1",
    jobIndex: 0,
    name: "vm",
    builderType: "qemu",
    needs: ["qemu"],
    state: "running",
    agent: "host-1",
    attempts: 1,
    startedAt: new Date().toISOString(),
    artifacts: [],
  };
  const revision = await bus.builds.put(jobKey("b1", 0), encode(record));
  const entry = await bus.builds.get(jobKey("b1", 0));
  t.deepEqual(decodeJobRecord(entry?.value ?? new Uint8Array(), entry?.key ?? ""), record);
  // Optimistic concurrency the agent and controller rely on: an update at a stale revision fails.
  await bus.builds.update(jobKey("b1", 0), encode({ ...record, state: "succeeded" }), revision);
  await t.throwsAsync(bus.builds.update(jobKey("b1", 0), encode({ ...record, state: "failed" }), revision));

  const blob = randomBytes(3 * 1024 * 1024 + 17);
  const sha = createHash("sha256").update(blob).digest("hex");
  await bus.bundles.putBlob({ name: sha }, blob);
  const back = await bus.bundles.getBlob(sha);
  t.is(createHash("sha256").update(back ?? new Uint8Array()).digest("hex"), sha);
  await bus.artifacts.putBlob({ name: "b1/0/output/disk.img" }, blob.subarray(0, 1000));
  t.is((await bus.artifacts.info("b1/0/output/disk.img"))?.size, 1000);
  t.is(await bus.artifacts.get("b1/0/missing"), null);
});

test("agent presence expires from its bucket when heartbeats stop (bucket TTL)", async (t) => {
  const server = await startNatsServer();
  t.teardown(() => server.stop());
  const bus = await connectBus({ url: server.url, name: "presence" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, { ...settings, presenceTtlMs: 1_000 });
  const now = new Date().toISOString();
  const presence: AgentPresence = {
    name: "host-1",
    host: "host-1.example",
    version: "0.1.0",
    labels: { rack: "a" },
    capabilities: ["qemu", "arch:x86_64"],
    builderTypes: ["qemu", "null"],
    slots: 2,
    busy: 0,
    startedAt: now,
    lastSeen: now,
  };
  await bus.agents.put(agentKey("host-1"), encode(presence));
  const entry = await bus.agents.get(agentKey("host-1"));
  t.deepEqual(decodeAgentPresence(entry?.value ?? new Uint8Array(), "kv"), presence);
  await new Promise((r) => setTimeout(r, 2_500));
  t.is(await bus.agents.get(agentKey("host-1")), null);
});
