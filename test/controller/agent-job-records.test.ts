import test from "ava";
import { checkAgentJobRecordWrite } from "../../controller/index.js";
import type { JobRecord } from "../../shared/bus/index.js";

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
});
