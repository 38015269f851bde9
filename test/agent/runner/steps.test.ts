import test from "ava";
import { join } from "node:path";
import { StepList, StepFailedError, BuildCancelledError, type Step } from "../../../agent/runner/steps.js";
import type { RunContext } from "../../../agent/runner/context.js";
import { buildUi, type OutputEvent } from "../../../agent/runner/ui.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

function context(signal = new AbortController().signal): { ctx: RunContext; events: OutputEvent[] } {
  const events: OutputEvent[] = [];
  const dir = tempDirSync("kiln-steps-test-");
  const ctx = {
    ui: buildUi({ emit: (e) => events.push(e) }, "t"),
    signal,
    build: { name: "t", type: "null" },
    workDir: dir,
    scratchDir: dir,
    prepare: { interpolation: { userVariables: {}, enableEnv: false, initTime: new Date() }, templateDir: dir, cwd: dir },
  } satisfies RunContext;
  return { ctx, events };
}

function recorder(log: string[], name: string, fail = false): Step<object, Record<string, string>> {
  return {
    name,
    async run() {
      log.push(`run ${name}`);
      if (fail) throw new Error(`${name} broke`);
      return { [name]: `made by ${name}` };
    },
    async cleanup(_ctx, state) {
      log.push(`cleanup ${name} sees ${Object.keys(state).sort().join(",")}`);
    },
  };
}

test("cleanups run in reverse order after success and see every step's state", async (t) => {
  const log: string[] = [];
  const { ctx } = context();
  const state = await StepList.start<object>().then(recorder(log, "a")).then(recorder(log, "b")).run(ctx, {});
  t.deepEqual(state, { a: "made by a", b: "made by b" });
  t.deepEqual(log, ["run a", "run b", "cleanup b sees a,b", "cleanup a sees a,b"]);
});

test("a failing step stops the list, names itself, and every started step is cleaned up", async (t) => {
  const log: string[] = [];
  const { ctx } = context();
  const list = StepList.start<object>().then(recorder(log, "a")).then(recorder(log, "b", true)).then(recorder(log, "c"));
  const err = await t.throwsAsync(list.run(ctx, {}), { instanceOf: StepFailedError });
  t.is(err?.step, "b");
  t.is(err?.message, "b broke");
  t.deepEqual(log, ["run a", "run b", "cleanup b sees a", "cleanup a sees a"]);
});

test("-on-error=abort names every step that ran instead of cleaning it up, as Packer 1.6.6's abortStep does", async (t) => {
  const log: string[] = [];
  const { ctx, events } = context();
  const list = StepList.start<object>().then(recorder(log, "a")).then({ ...recorder(log, "run b", true), packerName: "StepRun" });
  await t.throwsAsync(list.run(ctx, {}, { keepOnError: async () => "abort" }));
  t.deepEqual(log, ["run a", "run run b"]);
  const errors = events.filter((e) => e.kind === "ui" && e.level === "error").map((e) => (e as { text: string }).text);
  t.deepEqual(errors, ['Step "StepRun" failed, aborting...', 'aborted: skipping cleanup of step "StepA"']);
});

test("-on-error=abort still runs a cleanup that frees only this process's resources (a connection)", async (t) => {
  const log: string[] = [];
  const { ctx } = context();
  const list = StepList.start<object>().then({ ...recorder(log, "connect"), cleanupIsLocal: true }).then(recorder(log, "provision", true));
  await t.throwsAsync(list.run(ctx, {}, { keepOnError: async () => "abort" }));
  t.deepEqual(log, ["run connect", "run provision", "cleanup connect sees connect"]);
});

test("-on-error=run-cleanup-provisioner lets the provision step clean up and names the steps before it", async (t) => {
  const log: string[] = [];
  const { ctx, events } = context();
  const list = StepList.start<object>().then(recorder(log, "connect")).then(recorder(log, "provision", true));
  await t.throwsAsync(list.run(ctx, {}, { keepOnError: async () => "run-cleanup-provisioner" }));
  t.deepEqual(log, ["run connect", "run provision", "cleanup provision sees connect"]);
  const errors = events.filter((e) => e.kind === "ui" && e.level === "error").map((e) => (e as { text: string }).text);
  t.deepEqual(errors, ['Step "StepConnect" failed, aborting...']);
});

test("cancel between steps stops before the next one and still cleans up", async (t) => {
  const log: string[] = [];
  const abort = new AbortController();
  const { ctx } = context(abort.signal);
  const cancelling: Step<object, object> = { name: "cancel", async run() { abort.abort(); return {}; } };
  const list = StepList.start<object>().then(recorder(log, "a")).then(cancelling).then(recorder(log, "c"));
  await t.throwsAsync(list.run(ctx, {}), { instanceOf: BuildCancelledError });
  t.deepEqual(log, ["run a", "cleanup a sees a"]);
});

test("a failing cleanup is reported and does not hide the others", async (t) => {
  const log: string[] = [];
  const { ctx, events } = context();
  const bad: Step<object, object> = { name: "bad", async run() { return {}; }, async cleanup() { throw new Error("no luck"); } };
  await StepList.start<object>().then(recorder(log, "a")).then(bad).run(ctx, {});
  t.deepEqual(log, ["run a", "cleanup a sees a"]);
  t.true(events.some((e) => e.kind === "ui" && e.text.includes('Cleanup of step "bad" failed: no luck')));
});
