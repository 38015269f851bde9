import test from "ava";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DeliverPolicy } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import {
  BUILD_OUTPUT_STREAM,
  buildKey,
  buildOutputFilter,
  controlSubject,
  DEAD_LETTER_SUBJECT,
  decodeAgentPresence,
  decodeBuildEvent,
  decodeBuildRecord,
  decodeJobRecord,
  decodeLogLine,
  encode,
  jobKey,
  agentKey,
  jobConsumer,
  jobSubject,
  JOBS_STREAM,
  type Bus,
  type BuildEvent,
  type LogLine,
} from "../../../shared/bus/index.js";
import { builderTypesFor, startAgent } from "../../../agent/farm/index.js";
import { alive, finished, jobRecord, startFarm, submitTemplate, waitFor } from "./farm-jobs.js";
import { tempDir } from "../../fixtures/temp-dir.js";

/** Every log line and event of a build, in stream order, until `done` says enough. */
async function readOutput(bus: Bus, buildId: string, done: (events: BuildEvent[]) => boolean): Promise<{ lines: LogLine[]; events: BuildEvent[] }> {
  const consumer = await bus.js.consumers.get(BUILD_OUTPUT_STREAM, { filter_subjects: buildOutputFilter(buildId), deliver_policy: DeliverPolicy.All });
  const lines: LogLine[] = [];
  const events: BuildEvent[] = [];
  const messages = await consumer.consume();
  const timeout = setTimeout(() => void messages.close(), 30_000);
  for await (const m of messages) {
    if (m.subject.endsWith(".log")) lines.push(decodeLogLine(m.data, m.subject, m.headers));
    else events.push(decodeBuildEvent(m.data, m.subject));
    if (done(events)) break;
  }
  clearTimeout(timeout);
  return { lines, events };
}

const finishedJobs = (n: number) => (events: BuildEvent[]) => events.filter((e) => e.kind === "job-finished").length >= n;

test("an agent runs a queued template: logs in order on the stream, artifacts in the object store, records succeeded", async (t) => {
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "agent-a", labels: { rack: "r1" } });
  t.teardown(() => agent.stop());
  // What this host can run (file and null always; qemu or docker where they are installed).
  const expectedTypes = builderTypesFor(agent.probe.capabilities, undefined).types;
  t.deepEqual(agent.builderTypes, expectedTypes);
  t.true(["file", "null"].every((type) => expectedTypes.includes(type)));

  const presenceEntry = await farm.bus.agents.get(agentKey("agent-a"));
  const presence = decodeAgentPresence(presenceEntry!.value, "presence");
  t.deepEqual(presence.builderTypes, expectedTypes);
  t.deepEqual(presence.labels, { rack: "r1" });
  t.is(presence.slots, 1);

  const { buildId } = await submitTemplate(farm.bus, {
    builders: [
      { type: "null", name: "counter", communicator: "none" },
      { type: "file", name: "greeting", target: "out/hello.txt", content: "hello from the farm\n" },
    ],
    provisioners: [{ type: "shell-local", only: ["counter"], inline: ["for i in $(seq 1 60); do echo line-$i; done"] }],
  });
  const { lines, events } = await readOutput(farm.bus, buildId, finishedJobs(2));

  // One LogLine may carry several consecutive lines of the same label and level.
  const texts = lines.filter((l) => l.jobIndex === 0).flatMap((l) => l.text.split("\n"));
  const counted = texts.filter((text) => /line-\d+$/.test(text)).map((text) => Number(/line-(\d+)$/.exec(text)![1]));
  t.deepEqual(counted, Array.from({ length: 60 }, (_, i) => i + 1), "every line, once, in order");
  t.true(lines.some((l) => l.jobIndex === 0 && l.level === "say" && l.label === "counter"), "step headers carry the build's label");

  const started = events.filter((e) => e.kind === "job-started");
  t.deepEqual(started.map((e) => (e.kind === "job-started" ? [e.jobIndex, e.agent, e.attempt] : [])).sort(), [[0, "agent-a", 1], [1, "agent-a", 1]]);

  // The record is written after the job's output (job-finished included) is stored: wait for it.
  const greeting = (await waitFor("the greeting job's final record", () => jobRecord(farm.bus, buildId, 1), finished))!;
  t.is(greeting.state, "succeeded");
  t.is(greeting.agent, "agent-a");
  t.is(greeting.attempts, 1);
  t.is(greeting.artifacts.length, 1);
  const [file] = greeting.artifacts[0].files;
  t.is(file.path, "out/hello.txt");
  const stored = await farm.bus.artifacts.getBlob(file.object);
  t.is(Buffer.from(stored!).toString(), "hello from the farm\n");
  t.is(createHash("sha256").update(stored!).digest("hex"), file.sha256);
  t.is(file.sha256, createHash("sha256").update("hello from the farm\n").digest("hex"));
  t.is(file.size, 20);

  const counter = (await waitFor("the counter job's final record", () => jobRecord(farm.bus, buildId, 0), finished))!;
  t.is(counter.state, "succeeded");
  const finishedEvent = events.find((e) => e.kind === "job-finished" && e.jobIndex === 1);
  t.like(finishedEvent, { state: "succeeded", artifacts: greeting.artifacts });

  // The job folders are gone once the jobs are done.
  await waitFor("job folders removed", async () => existsSync(join(agent.workDir, "jobs", `${buildId}-1-1`)), (v) => v === false);
});

test("garbage on kiln.jobs.null is dead-lettered and terminated; the agent keeps working", async (t) => {
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const dead = farm.bus.nc.subscribe(DEAD_LETTER_SUBJECT, { max: 1 });
  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "agent-g", builders: ["null"] });
  t.teardown(() => agent.stop());

  await farm.bus.js.publish(jobSubject("null"), new TextEncoder().encode("this is not a job {"));
  for await (const m of dead) {
    t.is(new TextDecoder().decode(m.data), "this is not a job {");
    t.regex(m.headers?.get("Kiln-Reason") ?? "", /not JSON/);
    t.is(m.headers?.get("Kiln-Subject"), jobSubject("null"));
  }

  const { buildId } = await submitTemplate(farm.bus, {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["echo still alive"] }],
  });
  const record = await waitFor("the next job to finish", () => jobRecord(farm.bus, buildId, 0), finished);
  t.is(record?.state, "succeeded");
  // The job's ack follows its final record: wait for it rather than race it (a loaded CI machine lost that race).
  const queue = async () => {
    const info = await farm.bus.jsm.consumers.info(JOBS_STREAM, jobConsumer("null"));
    return { pending: info.num_pending, ackPending: info.num_ack_pending, messages: (await farm.bus.jsm.streams.info(JOBS_STREAM)).state.messages };
  };
  const drained = await waitFor("the job's ack", queue, (q) => q.ackPending === 0 && q.messages === 0).catch(() => queue());
  t.is(drained.pending, 0, "the garbage is not waiting to be redelivered");
  t.is(drained.ackPending, 0);
  t.is(drained.messages, 0, "the work queue is empty");
});

test("a cancel message stops a running shell-local sleep; its process is gone and the job is recorded cancelled", async (t) => {
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "agent-c", builders: ["null"] });
  t.teardown(() => agent.stop());
  const scratch = await tempDir("kiln-cancel-");
  const pidFile = join(scratch, "sleep.pid");

  const { buildId } = await submitTemplate(farm.bus, {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: [`sleep 120 & echo $! > ${pidFile}; wait`] }],
  });
  const pid = Number(await waitFor("the sleep to start", async () => (existsSync(pidFile) ? (await readFile(pidFile, "utf8")).trim() : ""), (s) => s !== ""));
  t.true(alive(pid));

  // What the controller does on CancelBuild: the record first, then the control message.
  const entry = await farm.bus.builds.get(buildKey(buildId));
  const record = decodeBuildRecord(entry!.value, "build");
  await farm.bus.builds.put(buildKey(buildId), encode({ ...record, cancelRequested: true }));
  farm.bus.nc.publish(controlSubject(buildId), encode({ kind: "cancel", buildId, requestedAt: new Date().toISOString() }));

  const job = await waitFor("the job to finish", () => jobRecord(farm.bus, buildId, 0), finished);
  t.is(job?.state, "cancelled");
  await waitFor("the sleep to be gone", async () => alive(pid), (a) => a === false, 5000);
  t.false(alive(pid));
  // The ack follows the final record: waited for, not raced.
  t.is(await queuedMessages(farm), 0, "the cancelled job was acked");

});

test("a job pulled for a build already cancelled is recorded cancelled and never runs", async (t) => {
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const { buildId, marker } = await submitCancelledBuild(farm);

  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "agent-late", builders: ["null"] });
  t.teardown(() => agent.stop());
  const job = await waitFor("the job to be dropped", () => jobRecord(farm.bus, buildId, 0), finished);
  t.is(job?.state, "cancelled");
  t.false(existsSync(marker), "the provisioner never ran");
  t.is(await queuedMessages(farm), 0);
});

test("a first delivery is taken without reading KV: the agent's only reads of the builds bucket are none", async (t) => {
  t.timeout(60_000);
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  // Every KV read of the builds bucket, whoever makes it, with the inbox its answer goes to.
  const observer = await connect({ servers: farm.nats.url, name: "kv-read-observer" });
  t.teardown(() => observer.close());
  const reads: { subject: string; reply: string; data: string }[] = [];
  for (const subject of ["$JS.API.DIRECT.GET.KV_kiln_builds", "$JS.API.DIRECT.GET.KV_kiln_builds.>", "$JS.API.STREAM.MSG.GET.KV_kiln_builds"]) {
    observer.subscribe(subject, { callback: (_e, m) => void reads.push({ subject: m.subject, reply: m.reply ?? "", data: new TextDecoder().decode(m.data) }) });
  }
  await observer.flush();
  const { buildId } = await submitTemplate(farm.bus, { builders: [{ type: "null", communicator: "none" }] });
  // The test's own connection (it also answers the agent's record writes): learn its inbox.
  await farm.bus.builds.get(buildKey(buildId));
  await waitFor("the observer to see the test's read", async () => reads.length, (n) => n > 0);
  const ours = reads[0]!.reply.split(".").slice(0, 2).join(".");

  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "agent-no-reads", builders: ["null"] });
  t.teardown(() => agent.stop());
  const job = await waitFor("the job to finish", () => jobRecord(farm.bus, buildId, 0), finished);
  t.is(job?.state, "succeeded");
  t.is(job?.agent, "agent-no-reads");
  t.is(job?.attempts, 1);
  const agentReads = reads.filter((r) => !r.reply.startsWith(ours + ".") && (r.subject + r.data).includes(buildId));
  t.deepEqual(agentReads, [], "the agent read no record of the build");
});

test("the controller refuses a first take of a job whose build was cancelled (its queued record not dropped yet): the agent records it cancelled, never run", async (t) => {
  t.timeout(60_000);
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  // CancelBuild's first write, before it drops the queued jobs: the job record is still queued.
  const { buildId, marker } = await submitCancelledBuild(farm);
  t.is((await jobRecord(farm.bus, buildId, 0))?.state, "queued");

  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "agent-race", builders: ["null"] });
  t.teardown(() => agent.stop());
  const job = await waitFor("the job to be dropped", () => jobRecord(farm.bus, buildId, 0), finished);
  t.is(job?.state, "cancelled");
  t.is(job?.error, "The build was cancelled before this job started.");
  t.is(job?.startedAt, undefined, "never recorded running");
  t.false(existsSync(marker), "the provisioner never ran");
  await waitFor("the job message to be acked", () => queuedMessages(farm), (n) => n === 0);
});

test("a job whose record the controller refuses to this agent (another agent holds it) is dropped, never run, and its record left alone", async (t) => {
  t.timeout(60_000);
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const scratch = await tempDir("kiln-refused-");
  const marker = join(scratch, "ran");
  const { buildId } = await submitTemplate(farm.bus, {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: [`touch ${marker}`] }],
  });
  // Another agent runs it, on a later attempt than this delivery's first.
  const entry = await farm.bus.builds.get(jobKey(buildId, 0));
  const held = { ...decodeJobRecord(entry!.value, "job"), state: "running" as const, agent: "agent-other", attempts: 4, heldBy: [{ agent: "agent-other", afterSequence: 0 }] };
  await farm.bus.builds.put(jobKey(buildId, 0), encode(held));

  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "agent-refused", builders: ["null"] });
  t.teardown(() => agent.stop());
  await waitFor("the job message to be dropped", () => farm.bus.jsm.streams.info(JOBS_STREAM), (i) => i.state.messages === 0);
  t.false(existsSync(marker), "the provisioner never ran");
  t.deepEqual(await jobRecord(farm.bus, buildId, 0), held);
});

test("two slots, five jobs: never more than two run at once, all five succeed", async (t) => {
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const scratch = await tempDir("kiln-slots-");
  const trace = join(scratch, "trace");
  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "agent-s", slots: 2, builders: ["null"] });
  t.teardown(() => agent.stop());

  const builds = [];
  for (let i = 0; i < 5; i++) {
    builds.push(
      await submitTemplate(farm.bus, {
        builders: [{ type: "null", communicator: "none" }],
        provisioners: [{ type: "shell-local", inline: [`echo start >> ${trace}`, "sleep 0.6", `echo end >> ${trace}`] }],
      }),
    );
  }
  let maxBusy = 0;
  const sampler = setInterval(() => (maxBusy = Math.max(maxBusy, agent.busy())), 20);
  for (const b of builds) {
    const r = await waitFor("a job to finish", () => jobRecord(farm.bus, b.buildId, 0), finished, 30_000);
    t.is(r?.state, "succeeded");
  }
  clearInterval(sampler);

  let running = 0;
  let peak = 0;
  for (const line of (await readFile(trace, "utf8")).trim().split("\n")) {
    running += line === "start" ? 1 : -1;
    peak = Math.max(peak, running);
  }
  t.is(peak, 2, "two ran together, never three");
  t.true(maxBusy <= 2);
});

/** Messages left in the jobs stream once it empties (a job is acked just after its final record), or after 20 s. */
/**
 * A build whose one job would touch `marker`, queued and then asked to cancel the way CancelBuild
 * first does (its build record only): its queued job record is left for the agent to find.
 */
async function submitCancelledBuild(farm: Awaited<ReturnType<typeof startFarm>>): Promise<{ buildId: string; marker: string }> {
  const marker = join(await tempDir("kiln-cancelled-"), "ran");
  const { buildId } = await submitTemplate(farm.bus, {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: [`touch ${marker}`] }],
  });
  const entry = await farm.bus.builds.get(buildKey(buildId));
  await farm.bus.builds.put(buildKey(buildId), encode({ ...decodeBuildRecord(entry!.value, "build"), cancelRequested: true }));
  return { buildId, marker };
}

async function queuedMessages(farm: Awaited<ReturnType<typeof startFarm>>): Promise<number> {
  const count = async (): Promise<number> => (await farm.bus.jsm.streams.info(JOBS_STREAM)).state.messages;
  return waitFor("the jobs stream to empty", count, (n) => n === 0).catch(() => count());
}
