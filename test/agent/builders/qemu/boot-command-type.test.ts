import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { parseBootCommand, resolveKeyIntervalMs, typeBootActions } from "../../../../agent/builders/common/boot-command/index.js";
import { QmpClient, QmpError } from "../../../../agent/builders/qemu/qmp.js";
import { tempDir } from "../../../fixtures/temp-dir.js";

// A real QEMU with no disk: enough for its PS/2 keyboard to accept input events over QMP.
async function startQemu(): Promise<{ qmp: QmpClient; proc: ChildProcess; stop: () => Promise<void> }> {
  const dir = await tempDir("kiln-qmp-");
  const sock = join(dir, "qmp.sock");
  const proc = spawn("qemu-system-x86_64", ["-machine", "accel=tcg", "-display", "none", "-nodefaults", "-qmp", `unix:${sock},server,nowait`], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const qmp = await QmpClient.connect(sock, { timeoutMs: 20_000 });
  return {
    qmp, proc,
    stop: async () => {
      qmp.close();
      proc.kill("SIGKILL");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test("QMP accepts every typed event, and waits and the key interval are honoured", async (t) => {
  const vm = await startQemu();
  t.teardown(vm.stop);
  const sent: unknown[] = [];
  const recording = {
    execute: async (command: string, args?: Record<string, unknown>) => {
      const result = await vm.qmp.execute(command, args);
      sent.push(result);
      return result;
    },
  };
  const plan = parseBootCommand("aB<leftCtrlOn>c<leftCtrlOff><wait300ms><enter>");
  const started = Date.now();
  await typeBootActions(recording, plan.actions, { keyIntervalMs: 20, signal: new AbortController().signal });
  const elapsed = Date.now() - started;
  // a, B (down+up each), ctrl hold, c (2), ctrl release, enter (2) = 10 commands, all answered {}.
  t.is(sent.length, 10);
  t.true(sent.every((r) => JSON.stringify(r) === "{}"));
  t.true(elapsed >= 300 + 5 * 20, `took ${elapsed} ms`);
});

test("QEMU rejects an unknown qcode, so acceptance above means something", async (t) => {
  const vm = await startQemu();
  t.teardown(vm.stop);
  const err = await t.throwsAsync(
    typeBootActions(vm.qmp, [{ kind: "tap", qcode: "no_such_key", shift: false, label: "?" }], { keyIntervalMs: 0, signal: new AbortController().signal }),
    { instanceOf: QmpError },
  );
  t.regex(err!.message, /input-send-event/);
});

test("typing stops when the build is cancelled during a wait", async (t) => {
  const vm = await startQemu();
  t.teardown(vm.stop);
  const abort = new AbortController();
  setTimeout(() => abort.abort(new Error("cancelled")), 200);
  const started = Date.now();
  await t.throwsAsync(typeBootActions(vm.qmp, parseBootCommand("<leftShiftOn><wait10s>x").actions, { keyIntervalMs: 0, signal: abort.signal }), { message: "cancelled" });
  t.true(Date.now() - started < 3000);
});

test("key interval: config wins, then PACKER_KEY_INTERVAL, then 100ms", (t) => {
  t.is(resolveKeyIntervalMs(50, { PACKER_KEY_INTERVAL: "1s" }), 50);
  t.is(resolveKeyIntervalMs(0, { PACKER_KEY_INTERVAL: "10ms" }), 10);
  t.is(resolveKeyIntervalMs(0, { PACKER_KEY_INTERVAL: "bogus" }), 100);
  t.is(resolveKeyIntervalMs(0, {}), 100);
});

test("the QMP client sees QEMU's SHUTDOWN event, then reports the closed connection", async (t) => {
  const vm = await startQemu();
  t.teardown(vm.stop);
  const shutdown = vm.qmp.waitForEvent("SHUTDOWN");
  const exited = new Promise<number | null>((resolve) => vm.proc.once("exit", (code) => resolve(code)));
  await vm.qmp.execute("quit").catch(() => undefined); // QEMU may hang up before answering
  const event = await shutdown;
  t.is(event.event, "SHUTDOWN");
  t.is(await exited, 0);
  await t.throwsAsync(vm.qmp.waitForEvent("SHUTDOWN"), { message: /QMP connection closed/ });
  await t.throwsAsync(vm.qmp.execute("query-status"));
});
