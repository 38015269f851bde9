/**
 * Both metrics endpoints during a real farm build: the agent's (/metrics of agentMetrics, as
 * `kiln agent --metrics-listen` serves it) and the controller's (its web console's /metrics).
 * While the build runs the agent shows a busy slot and the controller a running job and the log
 * bytes it stored; afterwards the agent has counted the jobs, and the controller has the job
 * duration, the step durations the build's `kiln-event` records gave, and the artifact's bytes.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { credentials, Metadata } from "@grpc/grpc-js";
import { startAgent } from "../../../agent/farm/index.js";
import { agentMetrics } from "../../../agent/farm/metrics.js";
import { startController } from "../../../controller/index.js";
import { FarmClient, type BuildOutput } from "../../../proto/gen/kiln/v1/farm.js";
import { startNatsServer } from "../../fixtures/nats-server.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const kiln = join(repo, "bin/kiln.js");
const TOKEN = "metrics-token";

async function scrape(url: string, token?: string): Promise<string> {
  const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : NaN;
}

async function waitFor(what: string, probe: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("agent and controller metrics move with a farm build", async (t) => {
  t.timeout(2 * 60_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const controller = await startController({ listen: "127.0.0.1:0", webListen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, sweepIntervalMs: 200 });
  t.teardown(() => controller.stop());
  const metrics = agentMetrics();
  const agent = await startAgent({ nats: { url: nats.url }, name: "metered", builders: ["null", "file"], slots: 2, pullExpiresMs: 1000, onJobDone: (r) => metrics.jobDone(r) });
  t.teardown(() => agent.stop());
  const served = await metrics.serve({ host: "127.0.0.1", port: 0 }, agent);
  t.teardown(() => served.stop());
  const agentUrl = `http://${served.address}/metrics`;
  const controllerUrl = `http://${controller.webAddress}/metrics`;

  const before = await scrape(agentUrl);
  t.is(value(before, 'kiln_agent_slots{agent="metered"}'), 2);
  t.is(value(before, 'kiln_agent_slots_busy{agent="metered"}'), 0);
  t.true(Number.isNaN(value(before, 'kiln_agent_jobs_total{result="succeeded",agent="metered"}')));

  const dir = tempDirSync("kiln-metrics-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "template.json"), JSON.stringify({
    builders: [
      { type: "null", name: "slow", communicator: "none" },
      { type: "file", name: "greeting", target: "out/greeting.txt", content: "hello from the metered farm\n".repeat(100) },
    ],
    provisioners: [{ type: "shell-local", only: ["slow"], inline: ["echo started", "sleep 3"] }],
  }));
  const child = spawn(process.execPath, [kiln, "build", "template.json"], { cwd: dir, env: { ...process.env, KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN } });
  t.teardown(() => child.kill("SIGKILL"));
  // What the client printed, for the message when the build does not succeed.
  let printed = "";
  child.stdout.on("data", (d: Buffer) => (printed += d.toString()));
  child.stderr.on("data", (d: Buffer) => (printed += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("close", r));

  await waitFor("a busy slot on the agent", async () => value(await scrape(agentUrl), 'kiln_agent_slots_busy{agent="metered"}') === 1, 30_000);
  await waitFor("a running job on the controller", async () => value(await scrape(controllerUrl, TOKEN), 'kiln_jobs{state="running",builder_type="null"}') === 1, 30_000);
  // "started" was echoed before the 3 s sleep: its bytes are counted while the job still runs.
  await waitFor("log bytes of the running job", async () => value(await scrape(controllerUrl, TOKEN), 'kiln_log_bytes_total{builder_type="null"}') > 0, 30_000);
  t.is(value(await scrape(controllerUrl, TOKEN), 'kiln_jobs{state="running",builder_type="null"}'), 1, "counted while it runs");
  t.is(await exited, 0, printed);

  await waitFor("the agent to count the jobs", async () => value(await scrape(agentUrl), 'kiln_agent_jobs_total{result="succeeded",agent="metered"}') === 2, 30_000);
  const after = await scrape(agentUrl);
  t.is(value(after, 'kiln_agent_slots_busy{agent="metered"}'), 0);
  t.false(Number.isNaN(value(after, 'kiln_agent_host_load1{agent="metered"}')));
  await waitFor("the controller to see the build succeed", async () => value(await scrape(controllerUrl, TOKEN), 'kiln_builds{state="succeeded"}') === 1, 30_000);
  const c = await scrape(controllerUrl, TOKEN);
  t.is(value(c, 'kiln_job_duration_seconds_count{builder_type="null",state="succeeded"}'), 1);
  t.true(value(c, 'kiln_job_duration_seconds_sum{builder_type="null",state="succeeded"}') >= 3);
  t.is(value(c, 'kiln_queue_wait_seconds_count{builder_type="null"}'), 1);
  // The null builder's steps, from the step-finished events in the build's output stream.
  t.is(value(c, 'kiln_step_duration_seconds_count{builder_type="null",step="connect"}'), 1);
  t.is(value(c, 'kiln_step_duration_seconds_count{builder_type="null",step="provision"}'), 1);
  t.true(value(c, 'kiln_step_duration_seconds_sum{builder_type="null",step="provision"}') >= 3, "the provision step held the 3 s sleep");
  t.true(value(c, 'kiln_log_bytes_total{builder_type="null"}') > "started".length);
  // The file build's artifact, as big as the file kiln build downloaded.
  t.is(value(c, 'kiln_artifact_bytes_total{builder_type="file"}'), statSync(join(dir, "out/greeting.txt")).size);
  t.is(statSync(join(dir, "out/greeting.txt")).size, "hello from the metered farm\n".length * 100);
  t.is(value(c, 'kiln_artifact_bytes_total{builder_type="null"}'), 0, "the null build stored no file");
});

test("the controller's log bytes ride out a NATS restart: every stored line counted once", async (t) => {
  t.timeout(2 * 60_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const controller = await startController({ listen: "127.0.0.1:0", webListen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, sweepIntervalMs: 200 });
  t.teardown(() => controller.stop());
  const agent = await startAgent({ nats: { url: nats.url }, name: "restarted", builders: ["null"], pullExpiresMs: 1000 });
  t.teardown(() => agent.stop());
  const controllerUrl = `http://${controller.webAddress}/metrics`;
  const logBytes = async (): Promise<number> => value(await scrape(controllerUrl, TOKEN), 'kiln_log_bytes_total{builder_type="null"}');

  const dir = tempDirSync("kiln-metrics-restart-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "template.json"), JSON.stringify({ builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["for i in $(seq 1 40); do echo tick-$i; sleep 0.1; done"] }] }));
  // Not spawnSync: the controller runs in this process and must answer meanwhile.
  const submit = spawn(process.execPath, [kiln, "submit", "template.json"], { cwd: dir, env: { ...process.env, KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN } });
  t.teardown(() => submit.kill("SIGKILL"));
  let buildId = "";
  submit.stdout.on("data", (d: Buffer) => (buildId += d.toString()));
  t.is(await new Promise<number | null>((r) => submit.on("close", r)), 0);
  buildId = buildId.trim();

  await waitFor("the first log bytes", async () => (await logBytes()) > 0, 30_000);
  await nats.restart({ crash: true });
  await waitFor("the build to succeed after the restart", async () => value(await scrape(controllerUrl, TOKEN).catch(() => ""), 'kiln_builds{state="succeeded"}') === 1, 60_000);

  // What the stream holds for the build, read back through the API: the figure must be exactly its bytes.
  const client = new FarmClient(controller.address, credentials.createInsecure());
  t.teardown(() => client.close());
  const auth = new Metadata();
  auth.set("authorization", `Bearer ${TOKEN}`);
  const items = await new Promise<BuildOutput[]>((resolve, reject) => {
    const got: BuildOutput[] = [];
    const stream = client.watchBuild({ buildId, afterSequence: 0, follow: true, acceptTextEncodings: [] }, auth);
    stream.on("data", (d: BuildOutput) => got.push(d));
    stream.on("error", reject);
    stream.on("end", () => resolve(got));
  });
  const stored = items.reduce((sum, i) => sum + (i.log ? Buffer.byteLength(i.log.text) : 0), 0);
  t.true(items.some((i) => i.log?.text.includes("tick-40")), "the whole output is there");
  await waitFor("the figure to reach the stored bytes", async () => (await logBytes()) >= stored, 30_000);
  t.is(await logBytes(), stored, "no line counted twice");
});
