/**
 * Signals that arrive together are one stop or one interrupt: `npx` forwards the Ctrl-C the whole
 * terminal group got, `timeout` signals its command and then the group. Sent to this test process
 * itself (ava runs files in child processes here, not worker threads): were a handler missing, the
 * process would die and the test fail.
 */
import test from "ava";
import { onInterrupts, untilStopSignal } from "../../cli/stop-signal.js";

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Node's signal watchers do not hold the event loop (an agent's connections do): hold it while a
// signal is on its way, or the process would end with the test's promise pending.
function holdEventLoop(t: { teardown: (f: () => void) => void }): void {
  const hold = setInterval(() => {}, 1000);
  t.teardown(() => clearInterval(hold));
}

test.serial("untilStopSignal: two signals at once are one stop, and the process lives on to stop gracefully", async (t) => {
  holdEventLoop(t);
  const seen: string[] = [];
  const stopped = untilStopSignal((signal) => seen.push(signal), 300);
  process.kill(process.pid, "SIGTERM");
  process.kill(process.pid, "SIGINT");
  await stopped;
  await delay(50); // the second signal's turn on the event loop
  t.deepEqual(seen, ["SIGTERM"]);
  t.is(process.listenerCount("SIGTERM") > 0, true, "signals are still caught within the window");
  await delay(400);
  t.is(process.listenerCount("SIGTERM"), 0, "after the window a signal ends the process as Node's default does");
  t.is(process.listenerCount("SIGINT"), 0);
});

test.serial("onInterrupts: signals together are the first interrupt; one after the window is the second", async (t) => {
  holdEventLoop(t);
  const calls: string[] = [];
  const stop = onInterrupts(() => calls.push("first"), () => calls.push("again"), 200);
  t.teardown(stop);
  process.kill(process.pid, "SIGTERM");
  process.kill(process.pid, "SIGTERM");
  await delay(50);
  t.deepEqual(calls, ["first"]);
  await delay(250);
  process.kill(process.pid, "SIGINT");
  await delay(50);
  t.deepEqual(calls, ["first", "again"]);
});
