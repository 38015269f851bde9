import test, { type ExecutionContext } from "ava";
import { BusOutputSink } from "../../../agent/farm/bus-output-sink.js";
import { agentLogSubject, BROTLI_TEXT, BUILD_OUTPUT_STREAM, buildKey, connectBus, encode, encodeLogText, jobKey, logLineHeaders, LZ4_TEXT, type Bus, type BuildRecord, type JobRecord } from "../../../shared/bus/index.js";
import type { BuildOutput } from "../../../proto/gen/kiln/v1/farm.js";
import { ACCEPTED_TEXT_ENCODINGS, withPlainLogText } from "../../../cli/farm-client/log-text.js";
import { collect, startHarness, watch, type Harness } from "../../controller/farm-harness.js";

const LINES = 100_000;

/** A running job held by "test-agent" (watchers pass on an agent's output only for jobs it holds), and its build. */
async function recordHeldJob(h: Harness, id: string, name: string): Promise<JobRecord> {
  const job: JobRecord = { buildId: id, jobIndex: 0, name, builderType: "null", needs: [], state: "running", agent: "test-agent", heldBy: [{ agent: "test-agent", afterSequence: 0 }], attempts: 1, artifacts: [] };
  const record: BuildRecord = { id, template: "t.json", submittedAt: new Date().toISOString(), jobCount: 1, jobNames: [name], cancelRequested: false, waitTimeoutMs: 0 };
  await h.controller.bus.builds.create(jobKey(id, 0), encode(job));
  await h.controller.bus.builds.create(buildKey(id), encode(record));
  return job;
}

interface AgentSide {
  sink: BusOutputSink;
  /** The agent's own NATS connection, as on a farm. */
  agentBus: Bus;
  /** As the agent ends a job: the job-finished event, everything stored (no publish error), the record says succeeded (the watch then ends). */
  finish(): Promise<void>;
}

/** A held job `name` of build `id` and the agent's sink writing its output. */
async function startAgentSide(t: ExecutionContext, h: Harness, id: string, name: string): Promise<AgentSide> {
  const job = await recordHeldJob(h, id, name);
  const agentBus = await connectBus({ url: h.nats.url, name: "kiln-agent test" });
  t.teardown(() => agentBus.close());
  const errors: string[] = [];
  const sink = new BusOutputSink(agentBus.js, { buildId: id, agentName: "test-agent", jobIndex: 0, attempt: 1, onPublishError: (e) => errors.push(e.message) });
  return {
    sink,
    agentBus,
    async finish() {
      sink.event({ kind: "job-finished", jobIndex: 0, name, state: "succeeded", durationMs: 0, artifacts: [], time: new Date().toISOString() });
      await sink.flush();
      t.deepEqual(errors, []);
      await h.controller.bus.builds.put(jobKey(id, 0), encode({ ...job, state: "succeeded" }));
    },
  };
}

test("100,000 log lines from an agent's sink reach a watching client through the controller in order, each once", async (t) => {
  t.timeout(120_000);
  const h = await startHarness(t);
  const id = "lines-in-order";
  const { sink, finish } = await startAgentSide(t, h, id, "chatty");
  const watching = collect(watch(h.client, id, 0, true));
  for (let n = 1; n <= LINES; n++) {
    // Runs of lines of two labels and levels (coalescing must not merge across them), some
    // ending in a newline of their own (which must not become an empty line).
    const build = Math.floor(n / 7000) % 2 === 0 ? "chatty" : "chatty (shell-local)";
    const level = n % 5000 < 10 ? "error" : "message";
    sink.emit({ kind: "ui", build, level, text: `line ${n}${n % 3 === 0 ? "\n" : ""}` });
    if (n % 5000 === 0) await new Promise((r) => setImmediate(r));
  }
  await finish();

  const items: BuildOutput[] = await watching;
  const sequences = items.map((i) => Number(i.sequence));
  t.true(sequences.every((s, i) => i === 0 || s > sequences[i - 1]), "stream sequences strictly increase");
  // As the client's UI does: a text's own final newline ends its last line, it is not another one.
  const lines = items.flatMap((i) => (i.log ? i.log.text.replace(/\n$/, "").split("\n").map((text) => ({ text, label: i.log!.label, level: i.log!.level })) : []));
  t.is(lines.length, LINES, "every line once, no empty ones");
  let wrong = 0;
  lines.forEach((l, i) => {
    const n = i + 1;
    const build = Math.floor(n / 7000) % 2 === 0 ? "chatty" : "chatty (shell-local)";
    if (l.text !== `line ${n}` || l.label !== build || l.level !== (n % 5000 < 10 ? "error" : "message")) wrong++;
  });
  t.is(wrong, 0, "each line in its place with its label and level");
  t.true(items.length < LINES / 100, `lines travel together (${items.length} items)`);
  t.is(items.at(-1)?.event?.kind, "finished");
});

test("multi-byte text, a label with spaces and non-ASCII, a line longer than a batch and lines ending in newlines arrive intact", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t);
  const id = "lines-intact";
  const label = "vm ünïcode (shell-local)";
  const { sink, finish } = await startAgentSide(t, h, id, label);
  const watching = collect(watch(h.client, id, 0, true));
  const long = "日本語 ".repeat(60_000); // 240,000 characters, 600,000 bytes in UTF-8: more than a batch holds
  const sent = ["✓ first", "second — ü\n", long, "after the long one", ...Array.from({ length: 3000 }, (_, i) => `π ${i}`)];
  for (const text of sent) sink.emit({ kind: "ui", build: label, level: "say", text });
  await finish();
  const items: BuildOutput[] = await watching;
  const logs = items.flatMap((i) => (i.log ? [i.log] : []));
  t.true(logs.every((l) => l.label === label && l.level === "say"));
  const lines = logs.flatMap((l) => l.text.replace(/\n$/, "").split("\n"));
  t.deepEqual(lines, sent.map((s) => s.replace(/\n$/, "")));
  t.true(logs.length < 10, `lines travel together (${logs.length} items)`);
});

test("log batches are stored compressed, and reach a client that accepts it compressed as stored: it reads every line; a corrupt batch becomes a line saying so", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t);
  const id = "lines-compressed";
  const { sink, agentBus, finish } = await startAgentSide(t, h, id, "chatty");
  const storedBefore = (await h.controller.bus.jsm.streams.info(BUILD_OUTPUT_STREAM)).state.bytes;
  // As the CLI asks (cli/farm-client/watch.ts).
  const watching = collect(h.client.watchBuild({ buildId: id, afterSequence: 0, follow: true, acceptTextEncodings: [...ACCEPTED_TEXT_ENCODINGS] }));
  const sent = Array.from({ length: 20_000 }, (_, i) => `Setting up package-${i % 311} (1.${i % 17}-${i % 5}) … ✓`);
  for (const text of sent) sink.emit({ kind: "ui", build: "chatty", level: "message", text });
  await sink.flush();
  // A batch whose payload says it is compressed and is not (a bug, a disk fault): the watch goes on.
  const corrupt = logLineHeaders({ jobIndex: 0, label: "chatty", level: "message", time: new Date().toISOString() }, { data: new Uint8Array(0), encoding: LZ4_TEXT, textBytes: 5000 });
  await agentBus.js.publish(agentLogSubject(id, "test-agent"), new Uint8Array(64).fill(7), { headers: corrupt });
  sink.emit({ kind: "ui", build: "chatty", level: "message", text: "after the corrupt batch" });
  await finish();

  const items: BuildOutput[] = await watching;
  const textBytes = Buffer.byteLength(sent.join("\n"));
  const stored = (await h.controller.bus.jsm.streams.info(BUILD_OUTPUT_STREAM)).state.bytes - storedBefore;
  t.true(stored < textBytes / 3, `the stream holds ${stored} bytes for ${textBytes} bytes of text`);
  const passed = items.filter((i) => i.log?.textEncoding === LZ4_TEXT);
  t.true(passed.length >= 5, `${passed.length} items came compressed`);
  t.true(passed.every((i) => i.log!.text === "" && i.log!.encodedText.length < i.log!.textBytes));
  const plain = items.map(withPlainLogText).flatMap((i) => (i.log ? i.log.text.split("\n").map((text) => ({ text, level: i.log!.level })) : []));
  t.deepEqual(plain.slice(0, sent.length).map((l) => l.text), sent, "every line, in order");
  t.is(plain[sent.length].level, "error");
  t.regex(plain[sent.length].text, /^kiln: 5000 bytes of chatty's output could not be read: .*payload/);
  t.deepEqual(plain.slice(sent.length + 1).map((l) => l.text), ["after the corrupt batch"]);
});

test("chunks of output lines (BuildUi.outputLines) join batches up to a batch's size and arrive line for line", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t);
  const id = "lines-in-chunks";
  const { sink, finish } = await startAgentSide(t, h, id, "chatty");
  const watching = collect(watch(h.client, id, 0, true));
  let n = 0;
  const chunks = Array.from({ length: 40 }, () => Array.from({ length: 230 }, () => `line ${++n} of a chatty program, about ninety bytes long ......`).join("\n"));
  for (const text of chunks) sink.emit({ kind: "ui", build: "chatty", level: "message", text, lines: true });
  await finish();
  const logs = (await watching).flatMap((i: BuildOutput) => (i.log ? [i.log] : []));
  const lines = logs.flatMap((l) => l.text.split("\n"));
  t.is(lines.length, n);
  t.true(lines.every((l, i) => l.startsWith(`line ${i + 1} `)), "every line once, in order");
  const chunkBytes = Buffer.byteLength(chunks[0]);
  t.true(logs.every((l) => Buffer.byteLength(l.text) <= 64 * 1024), "no batch holds more than 64 KiB");
  // Three chunks fit a batch; a batch still filling goes out when a megabyte waits.
  t.true(logs.length <= chunks.length / 2, `${chunks.length} chunks of ${chunkBytes} bytes in ${logs.length} batches`);
});

test("a client is sent log text in an encoding it reads: as stored when it accepts it (LZ4 from this agent, brotli from an older one), decompressed by the controller when it does not", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t);
  const id = "lines-encodings";
  const { sink, agentBus, finish } = await startAgentSide(t, h, id, "chatty");
  const sent = Array.from({ length: 5000 }, (_, i) => `Setting up package-${i % 311} (1.${i % 17}-${i % 5}) … ✓`);
  for (const text of sent) sink.emit({ kind: "ui", build: "chatty", level: "message", text });
  await sink.flush();
  // An agent of before LZ4 stored brotli.
  const older = sent.map((l) => `older ${l}`);
  const payload = encodeLogText(Buffer.from(older.join("\n")), BROTLI_TEXT);
  t.is(payload.encoding, BROTLI_TEXT);
  await agentBus.js.publish(agentLogSubject(id, "test-agent"), payload.data, { headers: logLineHeaders({ jobIndex: 0, label: "chatty", level: "message", time: new Date().toISOString() }, payload) });
  await finish();

  for (const accepts of [[LZ4_TEXT, BROTLI_TEXT], [BROTLI_TEXT], [LZ4_TEXT], []]) {
    const items: BuildOutput[] = await collect(h.client.watchBuild({ buildId: id, afterSequence: 0, follow: false, acceptTextEncodings: accepts }));
    const logs = items.flatMap((i) => (i.log ? [i.log] : []));
    const encodings = new Set(logs.map((l) => l.textEncoding).filter((e) => e !== ""));
    t.deepEqual([...encodings].sort(), [...accepts].sort(), `accepting [${accepts.join(", ")}]`);
    const text = items.map(withPlainLogText).flatMap((i) => (i.log ? i.log.text.split("\n") : []));
    t.deepEqual(text, [...sent, ...older], `accepting [${accepts.join(", ")}]: every line`);
  }
});
