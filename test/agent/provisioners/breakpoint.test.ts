import test from "ava";
import { PassThrough } from "node:stream";
import { createBreakpointPlugin } from "../../../agent/provisioners/breakpoint/index.js";
import { prepareContext, recordingContext, tempDir } from "../fixtures/recording-run-context.js";

const build = { name: "b", type: "null" };

async function setup(interactive: boolean) {
  const workDir = await tempDir();
  const rc = recordingContext(workDir, { build });
  const stream = new PassThrough();
  const plugin = createBreakpointPlugin(() => ({ interactive, stream }));
  const run = (config: Record<string, unknown>) =>
    plugin.provision(rc.ctx, plugin.schema.prepare({ type: "breakpoint", config }, prepareContext(workDir, build, {})));
  return { rc, stream, run };
}

test("on a terminal it waits for enter before the build goes on", async (t) => {
  const { rc, stream, run } = await setup(true);
  let finished = false;
  const running = run({ note: "check the disk" }).then(() => (finished = true));
  await new Promise((r) => setTimeout(r, 200));
  t.false(finished, "still paused");
  t.deepEqual(rc.texts("say"), ['Pausing at breakpoint provisioner with note "check the disk".', "Press enter to continue."]);
  stream.write("some typing");
  await new Promise((r) => setTimeout(r, 100));
  t.false(finished, "no enter yet");
  stream.write("\n");
  await running;
  t.true(finished);
});

test("without a terminal it says so and continues instead of hanging", async (t) => {
  const { rc, run } = await setup(false);
  await run({});
  t.deepEqual(rc.texts("say"), [
    "Pausing at breakpoint provisioner.",
    "Not an interactive terminal (stdin is not a TTY), so nobody can press enter: continuing...",
  ]);
});

test("disable skips the pause, with Packer's messages", async (t) => {
  const { rc, run } = await setup(true);
  await run({ disable: true, note: "n" });
  await run({ disable: "true" });
  t.deepEqual(rc.texts("say"), ['Breakpoint provisioner with note "n" disabled; continuing...', "Breakpoint provisioner disabled; continuing..."]);
});

test("cancelling the build ends the pause", async (t) => {
  const { rc, run } = await setup(true);
  const running = run({});
  await new Promise((r) => setTimeout(r, 100));
  rc.abort.abort();
  const err = await t.throwsAsync(running);
  t.is(err?.name, "AbortError");
});

test("stdin closing while paused is an error, as in Packer", async (t) => {
  const { stream, run } = await setup(true);
  const running = run({});
  await new Promise((r) => setTimeout(r, 100));
  stream.end();
  const err = await t.throwsAsync(running);
  t.regex(err?.message ?? "", /^Error asking for input: /);
});
