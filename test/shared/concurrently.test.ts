import test from "ava";
import { forEachConcurrently } from "../../shared/concurrently.js";

test("forEachConcurrently runs every item, never more than the limit at once", async (t) => {
  let running = 0;
  let most = 0;
  const done: number[] = [];
  await forEachConcurrently(Array.from({ length: 40 }, (_, i) => i), 4, async (i) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setImmediate(r));
    done.push(i);
    running--;
  });
  t.is(most, 4);
  t.deepEqual([...done].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
});

test("forEachConcurrently starts nothing after a failure or an abort, lets the running ones finish, and throws the first failure", async (t) => {
  const started: number[] = [];
  const finished: number[] = [];
  const error = await t.throwsAsync(
    forEachConcurrently([0, 1, 2, 3, 4, 5, 6, 7], 2, async (i) => {
      started.push(i);
      await new Promise((r) => setImmediate(r));
      if (i === 2) throw new Error("item 2 failed");
      if (i === 3) throw new Error("item 3 failed");
      finished.push(i);
    }),
  );
  t.is(error?.message, "item 2 failed");
  t.deepEqual(started, [0, 1, 2, 3]);
  t.deepEqual(finished, [0, 1]);

  const stop = new AbortController();
  const seen: number[] = [];
  await forEachConcurrently([0, 1, 2, 3], 1, async (i) => {
    seen.push(i);
    if (i === 1) stop.abort();
  }, stop.signal);
  t.deepEqual(seen, [0, 1]);
});
