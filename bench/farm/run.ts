/**
 * Farm benchmarks, all in one run on this machine: a real nats-server, the controller in this
 * process, agents as `kiln agent` child processes. Each figure comes with a baseline measured in
 * the same run, so machine noise cancels out of the ratio:
 *
 *  - dispatch latency (submit → the agent reports the job started), p50/p99 over N builds,
 *    against a bare JetStream publish → pull round trip;
 *  - throughput of null builds over 20 agents, against the same builds run by the local runner
 *    in this process (20 at a time);
 *  - scale-out of builds that each sleep 1 s over 1, 5, 10, 20 agents, against perfect linear
 *    scaling;
 *  - artifact upload/download through the object store, against a local file copy.
 *
 *   npm run build && node dist/bench/farm/run.js [--quick]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { credentials, Metadata } from "@grpc/grpc-js";
import { submitBuildStreamed } from "../../cli/farm-client/submit-stream.js";
import { jetstream, jetstreamManager, AckPolicy } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { create as createTar } from "tar";
import { startController } from "../../controller/index.js";
import { FarmClient, SubmitBuildRequest, type SubmitBuildResponse } from "../../proto/gen/kiln/v1/farm.js";
import { decodeBuildEvent } from "../../shared/bus/messages.js";
import { BUILD_OUTPUT_STREAM } from "../../shared/bus/names.js";
import { runBuild } from "../../agent/runner/build.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import { loadTemplateForReport, planTemplate } from "../../shared/validation/load-and-plan.js";
import { startNatsServer } from "../../test/fixtures/nats-server.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const quick = process.argv.includes("--quick");
const DISPATCH_SAMPLES = quick ? 100 : 500;
const THROUGHPUT_BUILDS = quick ? 200 : 1000;
const SCALE_BUILDS = quick ? 20 : 100;
const SCALE_AGENTS = quick ? [1, 5] : [1, 5, 10, 20];

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function bundleOf(template: unknown): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "kiln-bench-bundle-"));
  await writeFile(join(dir, "template.json"), JSON.stringify(template));
  const chunks: Buffer[] = [];
  for await (const c of createTar({ gzip: true, cwd: dir }, ["template.json"])) chunks.push(c as Buffer);
  await rm(dir, { recursive: true, force: true });
  return Buffer.concat(chunks);
}

/** The first build of `template`, planned in `dir` for the local-runner baselines. */
async function planLocally(dir: string, template: unknown): Promise<BuildSpec> {
  await writeFile(join(dir, "template.json"), JSON.stringify(template));
  const loaded = loadTemplateForReport("template.json", dir);
  if (!loaded.ok) throw new Error(loaded.text);
  const plan = planTemplate(loaded.template, { vars: [], varFiles: [], only: [], except: [] }, dir, {});
  if (!plan.ok) throw new Error(`planning the baseline template failed: ${JSON.stringify(plan.diagnostics)}`);
  return plan.specs[0];
}

const nats = await startNatsServer();
const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url } });
const client = new FarmClient(controller.address, credentials.createInsecure());
const submit = (req: SubmitBuildRequest): Promise<SubmitBuildResponse> =>
  submitBuildStreamed(client, req, new Metadata());
const request = (bundle: Buffer): SubmitBuildRequest =>
  SubmitBuildRequest.fromPartial({ bundle, templatePath: "template.json", displayPath: "template.json", onError: "cleanup" });

// Every job event of every build, read back from the output stream (an ordered consumer cannot
// miss one, unlike a core subscription that a busy process lets overflow).
const events = await connect({ servers: nats.url, name: "kiln-bench-watch" });
const started = new Map<string, number>();
const finished = new Map<string, { at: number; state: string }>();
const waiters: (() => void)[] = [];
let undecodable = 0;
const eventReader = (async () => {
  // Unfiltered: NATS 2.9 refuses filter_subjects on ordered consumers; log lines are skipped here.
  const consumer = await jetstream(events).consumers.get(BUILD_OUTPUT_STREAM);
  for await (const msg of await consumer.consume()) {
    if (!msg.subject.endsWith(".event")) continue;
    const buildId = msg.subject.split(".")[2];
    try {
      const e = decodeBuildEvent(msg.data, msg.subject);
      if (e.kind === "job-started" && !started.has(buildId)) started.set(buildId, performance.now());
      if (e.kind === "job-finished") finished.set(buildId, { at: performance.now(), state: e.state });
    } catch {
      undecodable++;
    }
    for (const w of waiters.splice(0)) w();
  }
})();
async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200); });
  }
}

let agents: ChildProcess[] = [];
const agentDir = await mkdtemp(join(tmpdir(), "kiln-bench-agents-"));
async function startAgents(n: number): Promise<void> {
  await stopAgents();
  agents = Array.from({ length: n }, (_, i) =>
    spawn(process.execPath, [join(repo, "bin/kiln.js"), "agent", "--nats", nats.url, "--name", `bench-${n}-${i}`, "--slots", "1",
      "--work-dir", join(agentDir, `a${i}`)], { stdio: "ignore" }));
  const kv = controller.bus.agents;
  for (let i = 0; i < 100; i++) {
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    if (keys.filter((k) => k.startsWith(`agent.bench-${n}-`)).length === n) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${n} agents did not all announce themselves`);
}
async function stopAgents(): Promise<void> {
  await Promise.all(agents.map((a) => new Promise<void>((r) => { a.once("exit", () => r()); a.kill("SIGTERM"); })));
  agents = [];
}

// Each figure is printed as soon as it is measured: a long run that fails late still reports.
const results = { push: (line: string): void => console.log(line) };
try {
  // --- baseline: a bare JetStream work-queue round trip (publish → pull consumer → ack) ---
  const jsm = await jetstreamManager(events);
  await jsm.streams.add({ name: "BENCH_RTT", subjects: ["bench.rtt"], retention: "workqueue" as never, storage: "file" as never });
  await jsm.consumers.add("BENCH_RTT", { durable_name: "rtt", ack_policy: AckPolicy.Explicit });
  const js = jetstream(events);
  const consumer = await js.consumers.get("BENCH_RTT", "rtt");
  const rtt: number[] = [];
  for (let i = 0; i < DISPATCH_SAMPLES; i++) {
    const t0 = performance.now();
    const [, m] = await Promise.all([js.publish("bench.rtt", "x"), consumer.next({ expires: 5000 })]);
    m?.ack();
    rtt.push(performance.now() - t0);
  }

  // --- dispatch latency over 20 idle agents ---
  await startAgents(20);
  const nullBundle = await bundleOf({ builders: [{ type: "null", communicator: "none" }] });
  const latency: number[] = [];
  for (let i = 0; i < DISPATCH_SAMPLES; i++) {
    const t0 = performance.now();
    const r = await submit(request(nullBundle));
    const id = r.build!.id;
    await until(() => started.has(id), 30_000, `build ${id} to start`);
    latency.push(started.get(id)! - t0);
  }
  await until(() => finished.size >= DISPATCH_SAMPLES, 60_000, "dispatch builds to finish");
  results.push(`dispatch latency submit→job started, ${DISPATCH_SAMPLES} null builds, 20 agents: p50 ${percentile(latency, 50).toFixed(1)} ms, p99 ${percentile(latency, 99).toFixed(1)} ms`);
  results.push(`  baseline bare JetStream publish→pull: p50 ${percentile(rtt, 50).toFixed(2)} ms, p99 ${percentile(rtt, 99).toFixed(2)} ms; ratio p50 ${(percentile(latency, 50) / percentile(rtt, 50)).toFixed(1)}x`);

  // --- throughput: N null builds over 20 agents ---
  finished.clear();
  started.clear();
  const ids: string[] = [];
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < THROUGHPUT_BUILDS) {
      next++;
      ids.push((await submit(request(nullBundle))).build!.id);
    }
  }));
  await until(() => ids.every((id) => finished.has(id)), 600_000, "throughput builds");
  const farmSeconds = (performance.now() - t0) / 1000;
  const lost = ids.filter((id) => finished.get(id)?.state !== "succeeded").length;
  // Baseline: the same null build through the local runner, 20 at a time, in this process.
  const tplDir = await mkdtemp(join(tmpdir(), "kiln-bench-local-"));
  const spec = await planLocally(tplDir, { builders: [{ type: "null", communicator: "none" }] });
  const l0 = performance.now();
  let ln = 0;
  await Promise.all(Array.from({ length: 20 }, async () => {
    while (ln < THROUGHPUT_BUILDS) {
      ln++;
      await runBuild(spec, { sink: { emit() {} }, signal: new AbortController().signal, workDir: tplDir });
    }
  }));
  const localSeconds = (performance.now() - l0) / 1000;
  results.push(`throughput: ${THROUGHPUT_BUILDS} null builds over 20 agents in ${farmSeconds.toFixed(1)} s = ${(THROUGHPUT_BUILDS / farmSeconds).toFixed(0)} builds/s, lost or failed: ${lost} (goal >= 100 builds/s, 0 lost)`);
  results.push(`  baseline local runner, same builds 20 at a time in one process: ${(THROUGHPUT_BUILDS / localSeconds).toFixed(0)} builds/s; farm/local ratio ${((THROUGHPUT_BUILDS / farmSeconds) / (THROUGHPUT_BUILDS / localSeconds)).toFixed(2)}x`);

  // --- scale-out: builds that sleep 1 s ---
  const sleepBundle = await bundleOf({
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["sleep 1"] }],
  });
  let base = 0;
  for (const n of SCALE_AGENTS) {
    await startAgents(n);
    finished.clear();
    const batch: string[] = [];
    const s0 = performance.now();
    await Promise.all(Array.from({ length: SCALE_BUILDS }, async () => batch.push((await submit(request(sleepBundle))).build!.id)));
    await until(() => batch.every((id) => finished.has(id)), 900_000, `scale-out with ${n} agents`);
    const wall = (performance.now() - s0) / 1000;
    if (n === SCALE_AGENTS[0]) base = wall * SCALE_AGENTS[0];
    const ideal = base / n;
    results.push(`scale-out: ${SCALE_BUILDS} x sleep 1 s with ${String(n).padStart(2)} agents: ${wall.toFixed(1)} s (perfect linear from 1 agent: ${ideal.toFixed(1)} s, efficiency ${(ideal / wall).toFixed(2)}x; goal >= 0.8)`);
  }

  // --- log throughput: one build printing numbered lines, read back by a client through WatchBuild ---
  const LOG_LINES = quick ? 20_000 : 100_000;
  const logTemplate = {
    builders: [{ type: "null", name: "chatty", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: [`seq -f 'log line %08g of the throughput benchmark, padded to about one hundred bytes.....' 1 ${LOG_LINES}`] }],
  };
  const w0 = performance.now();
  const logBuild = (await submit(request(await bundleOf(logTemplate)))).build!.id;
  let received = 0;
  let bytes = 0;
  let inOrder = true;
  let lastSeq = 0;
  await new Promise<void>((ok, fail) => {
    const stream = client.watchBuild({ buildId: logBuild, afterSequence: 0, follow: true });
    stream.on("data", (item: { sequence: number | string; log?: { text: string } }) => {
      const seq = Number(item.sequence);
      if (seq <= lastSeq) inOrder = false;
      lastSeq = seq;
      for (const text of item.log ? item.log.text.split("\n") : []) {
        const m = /^log line (\d+) /.exec(text);
        if (!m) continue;
        received++;
        if (Number(m[1]) !== received) inOrder = false;
        bytes += Buffer.byteLength(text) + 1;
      }
    });
    stream.on("end", () => ok());
    stream.on("error", fail);
  });
  const farmLogSeconds = (performance.now() - w0) / 1000;
  // Baseline: the same build by the local runner, its lines counted by an in-process sink.
  const logSpec = await planLocally(tplDir, logTemplate);
  let localBytes = 0;
  const b0 = performance.now();
  await runBuild(logSpec, {
    sink: { emit: (e) => { if (e.kind === "ui") localBytes += Buffer.byteLength(e.text) + 1; } },
    signal: new AbortController().signal, workDir: tplDir,
  });
  const localLogSeconds = (performance.now() - b0) / 1000;
  const farmMBs = bytes / 1e6 / farmLogSeconds;
  const localMBs = localBytes / 1e6 / localLogSeconds;
  results.push(`log throughput: ${received}/${LOG_LINES} lines (${(bytes / 1e6).toFixed(1)} MB) agent → bus → controller → client in ${farmLogSeconds.toFixed(1)} s = ${farmMBs.toFixed(1)} MB/s, in order: ${inOrder}, none lost: ${received === LOG_LINES}`);
  results.push(`  baseline local runner, same build: ${localMBs.toFixed(1)} MB/s; farm/local ratio ${(farmMBs / localMBs).toFixed(2)}x`);

  // --- artifact store throughput: 64 MiB up and down, against a local copy ---
  const blob = randomBytes(64 * 1024 * 1024);
  const work = await mkdtemp(join(tmpdir(), "kiln-bench-obj-"));
  await writeFile(join(work, "a.bin"), blob);
  const c0 = performance.now();
  await copyFile(join(work, "a.bin"), join(work, "b.bin"));
  const copyMs = performance.now() - c0;
  const u0 = performance.now();
  await controller.bus.artifacts.putBlob({ name: "bench/blob" }, blob);
  const upMs = performance.now() - u0;
  const d0 = performance.now();
  const back = await controller.bus.artifacts.getBlob("bench/blob");
  const downMs = performance.now() - d0;
  const same = createHash("sha256").update(back ?? Buffer.alloc(0)).digest("hex") === createHash("sha256").update(blob).digest("hex");
  const mb = blob.length / 1e6;
  results.push(`artifacts: 64 MiB upload ${(mb / (upMs / 1000)).toFixed(0)} MB/s, download ${(mb / (downMs / 1000)).toFixed(0)} MB/s (content identical: ${same}); baseline local file copy ${(mb / (copyMs / 1000)).toFixed(0)} MB/s`);
  await rm(work, { recursive: true, force: true });
  await rm(tplDir, { recursive: true, force: true });
} finally {
  await stopAgents();
  client.close();
  await events.close();
  await eventReader.catch(() => undefined);
  if (undecodable > 0) console.log(`warning: ${undecodable} undecodable events on the output stream`);
  await controller.stop();
  await nats.stop();
  await rm(agentDir, { recursive: true, force: true });
}
