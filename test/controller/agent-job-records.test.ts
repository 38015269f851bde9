import test, { type ExecutionContext } from "ava";
import { checkAgentJobRecordWrite, serveAgentJobRecords, silentLog } from "../../controller/index.js";
import {
  agentEventSubject,
  agentJobRecordSubject,
  BUILD_OUTPUT_STREAM,
  connectBus,
  decodeJobRecord,
  decodeJobRecordWriteReply,
  encode,
  ensureFarmResources,
  jobKey,
  type JobRecord,
  type JobRecordWrite,
  type JobRecordWriteReply,
  type StoredRecord,
} from "../../shared/bus/index.js";
import { startNatsServer } from "../fixtures/nats-server.js";

const queued: JobRecord = { buildId: "b1", jobIndex: 0, name: "null", builderType: "null", needs: [], state: "queued", attempts: 0, artifacts: [], queueSequence: 7 };
const runningOnA: JobRecord = { ...queued, state: "running", agent: "host-a", attempts: 1, heldBy: [{ agent: "host-a", afterSequence: 3 }] };

test("an agent claims a queued job: written, its holding recorded from the output sequence given", (t) => {
  const r = checkAgentJobRecordWrite("host-a", queued, { ...queued, state: "running", agent: "host-a", attempts: 1 }, 3);
  t.deepEqual(r, { record: runningOnA });
});

test("the holder finishes its job; heldBy is not extended again", (t) => {
  const r = checkAgentJobRecordWrite("host-a", runningOnA, { ...runningOnA, state: "succeeded", finishedAt: "t" }, 99);
  t.deepEqual(r, { record: { ...runningOnA, state: "succeeded", finishedAt: "t" } });
});

test("another agent may not write a job someone holds, except as a later delivery attempt taking it over", (t) => {
  t.deepEqual(checkAgentJobRecordWrite("host-b", runningOnA, { ...runningOnA, state: "failed", agent: "host-b" }, 9), {
    refused: "the job is held by agent host-a (attempt 1), not by host-b",
  });
  t.deepEqual(checkAgentJobRecordWrite("host-b", runningOnA, { ...runningOnA, agent: "host-b", attempts: 1 }, 9), {
    refused: "the job is held by agent host-a (attempt 1), not by host-b",
  });
  const takeover = checkAgentJobRecordWrite("host-b", runningOnA, { ...runningOnA, agent: "host-b", attempts: 2 }, 9);
  t.deepEqual(takeover, { record: { ...runningOnA, agent: "host-b", attempts: 2, heldBy: [{ agent: "host-a", afterSequence: 3 }, { agent: "host-b", afterSequence: 9 }] } });
});

test("no agent writes another's name, a finished job, or the fields the controller owns", (t) => {
  t.deepEqual(checkAgentJobRecordWrite("host-b", queued, { ...queued, state: "running", agent: "host-a", attempts: 1 }, 1), {
    refused: "agent host-b may not record the job as run by host-a",
  });
  t.deepEqual(checkAgentJobRecordWrite("host-a", { ...runningOnA, state: "failed" }, { ...runningOnA, state: "succeeded" }, 1), { refused: "the job is already failed" });
  const forged = checkAgentJobRecordWrite("host-a", runningOnA, { ...runningOnA, name: "other", builderType: "qemu", needs: ["kvm"], queueSequence: 1, heldBy: [] }, 1);
  t.deepEqual(forged, { record: runningOnA });
  // A first take sends a record it never read: what the controller set stays, whatever is missing.
  const submitted: JobRecord = { ...queued, labels: ["ssd"], priority: "high", fingerprint: "a".repeat(64), specStored: true };
  const unread = { buildId: "b1", jobIndex: 0, name: "null", builderType: "null", needs: [], state: "running" as const, agent: "host-a", attempts: 1, artifacts: [], startedAt: "now" };
  t.deepEqual(checkAgentJobRecordWrite("host-a", submitted, unread, 0), {
    record: { ...submitted, state: "running", agent: "host-a", attempts: 1, startedAt: "now", heldBy: [{ agent: "host-a", afterSequence: 0 }] },
  });
  // And an agent's own field it leaves out (an error from an earlier attempt) is cleared.
  const retried = checkAgentJobRecordWrite("host-a", { ...runningOnA, error: "old" }, { ...runningOnA, error: undefined }, 1);
  t.false("error" in ("record" in retried ? retried.record : {}));
});

/** A real NATS with the farm's resources, the record service over it, its KV reads counted, and a stand-in build index. */
async function recordService(t: ExecutionContext) {
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const bus = await connectBus({ url: nats.url, name: "records-test" });
  t.teardown(() => bus.close());
  await ensureFarmResources(bus.nc, { ackWaitMs: 30_000, maxDeliver: 3, presenceTtlMs: 15_000 });
  let reads = 0;
  const builds = new Proxy(bus.builds, {
    get(target, prop, receiver) {
      if (prop === "get") return (...args: Parameters<typeof target.get>) => (reads++, target.get(...args));
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const held = new Map<string, StoredRecord<JobRecord>>();
  const cancelledBuilds = new Set<string>();
  const index = {
    storedJob: (buildId: string, jobIndex: number) => held.get(jobKey(buildId, jobIndex)),
    noteJobWritten: (buildId: string, jobIndex: number, record: JobRecord, revision: number) => void held.set(jobKey(buildId, jobIndex), { record, revision }),
    buildCancelled: (buildId: string) => cancelledBuilds.has(buildId),
  };
  let streamInfos = 0;
  const streams = new Proxy(bus.jsm.streams, {
    get(target, prop, receiver) {
      if (prop === "info") return (...args: Parameters<typeof target.info>) => (streamInfos++, target.info(...args));
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const jsm = new Proxy(bus.jsm, { get: (target, prop, receiver) => (prop === "streams" ? streams : Reflect.get(target, prop, receiver)) });
  const service = serveAgentJobRecords({ bus: { ...bus, builds, jsm }, log: silentLog, index });
  t.teardown(() => service.stop());
  const ask = async (agent: string, write: JobRecordWrite): Promise<JobRecordWriteReply> => {
    const subject = agentJobRecordSubject(agent);
    return decodeJobRecordWriteReply((await bus.nc.request(subject, encode(write), { timeout: 10_000 })).data, subject);
  };
  return { bus, held, cancelledBuilds, ask, reads: () => reads, streamInfos: () => streamInfos };
}

test("a write naming the revision the build index holds needs no KV read, and the index learns the new revision", async (t) => {
  t.timeout(30_000);
  const s = await recordService(t);
  const revision = await s.bus.builds.create(jobKey("b1", 0), encode(queued));
  s.held.set(jobKey("b1", 0), { record: queued, revision });
  const reply = await s.ask("host-a", { revision, record: { ...queued, state: "running", agent: "host-a", attempts: 1 } });
  t.is(reply.outcome, "written");
  t.is(s.reads(), 0, "no KV read for the write");
  const stored = decodeJobRecord((await s.bus.builds.get(jobKey("b1", 0)))!.value, "job");
  t.is(stored.state, "running");
  t.is(stored.heldBy?.[0]?.agent, "host-a");
  t.is(s.held.get(jobKey("b1", 0))?.revision, reply.outcome === "written" ? reply.revision : -1, "the index holds the revision written");
});

test("a write naming the index's revision after the record moved on (a cancel the index has not seen) loses, and nothing is overwritten", async (t) => {
  t.timeout(30_000);
  const s = await recordService(t);
  const revision = await s.bus.builds.create(jobKey("b1", 0), encode(queued));
  s.held.set(jobKey("b1", 0), { record: queued, revision });
  // The controller fails the job (a wait timeout); its watch has not brought the change to the index yet.
  await s.bus.builds.update(jobKey("b1", 0), encode({ ...queued, state: "failed", error: "waited too long" }), revision);
  const reply = await s.ask("host-a", { revision, record: { ...queued, state: "running", agent: "host-a", attempts: 1 } });
  t.is(reply.outcome, "conflict");
  const stored = decodeJobRecord((await s.bus.builds.get(jobKey("b1", 0)))!.value, "job");
  t.is(stored.state, "failed");
  t.is(stored.agent, undefined);
});

test("a take unread (revision 0) of a queued job is written on the current revision; of a cancelled build's job, refused and the record left queued", async (t) => {
  t.timeout(30_000);
  const s = await recordService(t);
  const revision = await s.bus.builds.create(jobKey("b1", 0), encode(queued));
  s.held.set(jobKey("b1", 0), { record: queued, revision });
  const take = { revision: 0, record: { ...queued, queueSequence: undefined, state: "running" as const, agent: "host-a", attempts: 1 } };
  t.is((await s.ask("host-a", take)).outcome, "written");
  const stored = decodeJobRecord((await s.bus.builds.get(jobKey("b1", 0)))!.value, "job");
  t.is(stored.queueSequence, 7, "the controller's fields are kept");

  const other = { ...queued, buildId: "b2" };
  const otherRevision = await s.bus.builds.create(jobKey("b2", 0), encode(other));
  s.held.set(jobKey("b2", 0), { record: other, revision: otherRevision });
  s.cancelledBuilds.add("b2");
  const refused = await s.ask("host-a", { revision: 0, record: { ...other, state: "running", agent: "host-a", attempts: 1 } });
  t.deepEqual(refused, { outcome: "refused", reason: "job.b2.0: the build was cancelled" });
  t.is(decodeJobRecord((await s.bus.builds.get(jobKey("b2", 0)))!.value, "job").state, "queued");
  // Holding it (to record it cancelled, as the refused agent does) is still allowed.
  t.is((await s.ask("host-a", { revision: otherRevision, record: { ...other, agent: "host-a" } })).outcome, "written");
});

test("a job's first take holds its output from sequence 0 without asking the stream; a take-over holds it from the stream's last sequence", async (t) => {
  t.timeout(30_000);
  const s = await recordService(t);
  // Output of other builds already in the stream.
  for (let i = 0; i < 3; i++) await s.bus.js.publish(agentEventSubject("other", "host-c"), encode({ kind: "job-waiting", jobIndex: 0, name: "x", reason: "r", time: new Date().toISOString() }));
  const revision = await s.bus.builds.create(jobKey("b1", 0), encode(queued));
  s.held.set(jobKey("b1", 0), { record: queued, revision });
  const first = await s.ask("host-a", { revision, record: { ...queued, state: "running", agent: "host-a", attempts: 1 } });
  t.is(first.outcome, "written");
  t.is(s.streamInfos(), 0, "no stream info on the first take");
  const taken = decodeJobRecord((await s.bus.builds.get(jobKey("b1", 0)))!.value, "job");
  t.deepEqual(taken.heldBy, [{ agent: "host-a", afterSequence: 0 }]);
  const last = (await s.bus.jsm.streams.info(BUILD_OUTPUT_STREAM)).state.last_seq;
  t.true(last >= 3);
  const over = await s.ask("host-b", { revision: first.outcome === "written" ? first.revision : -1, record: { ...taken, agent: "host-b", attempts: 2 } });
  t.is(over.outcome, "written");
  t.is(s.streamInfos(), 1, "the take-over asked the stream");
  const takenOver = decodeJobRecord((await s.bus.builds.get(jobKey("b1", 0)))!.value, "job");
  t.deepEqual(takenOver.heldBy, [{ agent: "host-a", afterSequence: 0 }, { agent: "host-b", afterSequence: last }]);
});

test("an agent taking a job it read queued is written even when the controller added the queue sequence meanwhile; not when another agent took it", async (t) => {
  t.timeout(30_000);
  const s = await recordService(t);
  const unsequenced = { ...queued, queueSequence: undefined };
  const read = await s.bus.builds.create(jobKey("b1", 0), encode(unsequenced));
  // The controller records the job's queue sequence after the agent read the record.
  const sequenced = await s.bus.builds.update(jobKey("b1", 0), encode(queued), read);
  s.held.set(jobKey("b1", 0), { record: queued, revision: sequenced });
  const reply = await s.ask("host-a", { revision: read, record: { ...unsequenced, state: "running", agent: "host-a", attempts: 1 } });
  t.is(reply.outcome, "written");
  t.is(s.reads(), 0, "the index's newer revision served");
  const stored = decodeJobRecord((await s.bus.builds.get(jobKey("b1", 0)))!.value, "job");
  t.like(stored, { state: "running", agent: "host-a", queueSequence: 7 });

  // host-b read it queued too, but host-a holds it now: host-b must read again (and then sees it held).
  const late = await s.ask("host-b", { revision: read, record: { ...unsequenced, state: "running", agent: "host-b", attempts: 1 } });
  t.is(late.outcome, "conflict");
  t.like(decodeJobRecord((await s.bus.builds.get(jobKey("b1", 0)))!.value, "job"), { agent: "host-a" });
});

test("the holder's finish is written though the controller added the queue sequence after the take; not once the controller failed the job", async (t) => {
  t.timeout(30_000);
  const s = await recordService(t);
  const unsequenced = { ...queued, queueSequence: undefined };
  s.held.set(jobKey("b1", 0), { record: unsequenced, revision: await s.bus.builds.create(jobKey("b1", 0), encode(unsequenced)) });
  const take = await s.ask("host-a", { revision: s.held.get(jobKey("b1", 0))!.revision, record: { ...unsequenced, state: "running", agent: "host-a", attempts: 1 } });
  t.is(take.outcome, "written");
  const taken = take.outcome === "written" ? take.revision : -1;
  // The controller's queue-sequence write lands after the take.
  const running = decodeJobRecord((await s.bus.builds.get(jobKey("b1", 0)))!.value, "job");
  s.held.set(jobKey("b1", 0), { record: { ...running, queueSequence: 7 }, revision: await s.bus.builds.update(jobKey("b1", 0), encode({ ...running, queueSequence: 7 }), taken) });
  const finish = await s.ask("host-a", { revision: taken, record: { ...running, state: "succeeded", finishedAt: new Date().toISOString() } });
  t.is(finish.outcome, "written");
  t.like(decodeJobRecord((await s.bus.builds.get(jobKey("b1", 0)))!.value, "job"), { state: "succeeded", agent: "host-a", queueSequence: 7 });

  // Another job: the controller fails it (its deliveries were lost) while host-a still thinks it holds it.
  const other = { ...unsequenced, jobIndex: 1 };
  const r0 = await s.bus.builds.create(jobKey("b1", 1), encode(other));
  const held = await s.ask("host-a", { revision: r0, record: { ...other, state: "running", agent: "host-a", attempts: 1 } });
  const heldRevision = held.outcome === "written" ? held.revision : -1;
  const heldRecord = decodeJobRecord((await s.bus.builds.get(jobKey("b1", 1)))!.value, "job");
  s.held.set(jobKey("b1", 1), { record: { ...heldRecord, state: "failed" }, revision: await s.bus.builds.update(jobKey("b1", 1), encode({ ...heldRecord, state: "failed", error: "lost" }), heldRevision) });
  const late = await s.ask("host-a", { revision: heldRevision, record: { ...heldRecord, state: "succeeded" } });
  t.is(late.outcome, "conflict");
  t.is(decodeJobRecord((await s.bus.builds.get(jobKey("b1", 1)))!.value, "job").state, "failed");
});
