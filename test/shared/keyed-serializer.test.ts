import test from "ava";
import { KeyedSerializer } from "../../shared/keyed-serializer.js";

/** A piece of work that records when it starts and ends, and ends when told. */
function piece(log: string[], name: string) {
  let finish!: (fail?: boolean) => void;
  const done = new Promise<void>((resolve, reject) => (finish = (fail) => (fail ? reject(new Error(`${name} failed`)) : resolve())));
  return {
    finish,
    work: async (): Promise<string> => {
      log.push(`${name} start`);
      await done;
      log.push(`${name} end`);
      return name;
    },
  };
}

test("work under one key runs one piece at a time, in order; other keys run alongside; a failure does not stop the next", async (t) => {
  const serial = new KeyedSerializer();
  const log: string[] = [];
  const a1 = piece(log, "a1");
  const a2 = piece(log, "a2");
  const a3 = piece(log, "a3");
  const b1 = piece(log, "b1");
  const r1 = serial.run("a", a1.work);
  const r2 = serial.run("a", a2.work);
  const r3 = serial.run("a", a3.work);
  const rb = serial.run("b", b1.work);
  await new Promise((r) => setImmediate(r));
  t.deepEqual(log, ["a1 start", "b1 start"], "a2 waits for a1; b1 does not");
  a1.finish(true);
  await t.throwsAsync(r1, { message: "a1 failed" });
  await new Promise((r) => setImmediate(r));
  t.deepEqual(log.slice(2), ["a2 start"], "a2 starts once a1 has failed");
  a2.finish();
  t.is(await r2, "a2");
  a3.finish();
  b1.finish();
  t.is(await r3, "a3");
  t.is(await rb, "b1");
  await new Promise((r) => setImmediate(r));
  t.is(serial.size, 0, "no key is kept once its work is done");
});
