import test from "ava";
import { getEventListeners } from "node:events";
import { sleep } from "../../shared/sleep.js";

test("a thousand sleeps on one signal leave no abort listener behind (no MaxListenersExceeded in a long outage)", async (t) => {
  const controller = new AbortController();
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on("warning", onWarning);
  t.teardown(() => process.off("warning", onWarning));
  for (let i = 0; i < 1000; i++) await sleep(0, controller.signal);
  t.is(getEventListeners(controller.signal, "abort").length, 0);
  // Warnings are emitted on the next tick.
  await new Promise((r) => setImmediate(r));
  t.deepEqual(warnings, []);
});

test("an abort ends the sleep at once and removes its listener", async (t) => {
  t.timeout(5_000);
  const controller = new AbortController();
  const started = Date.now();
  const sleeping = sleep(60_000, controller.signal);
  t.is(getEventListeners(controller.signal, "abort").length, 1);
  controller.abort();
  await sleeping;
  t.true(Date.now() - started < 1_000);
  t.is(getEventListeners(controller.signal, "abort").length, 0);
});

test("an already aborted signal returns at once without adding a listener", async (t) => {
  const controller = new AbortController();
  controller.abort();
  const started = Date.now();
  await sleep(60_000, controller.signal);
  t.true(Date.now() - started < 1_000);
  t.is(getEventListeners(controller.signal, "abort").length, 0);
});
