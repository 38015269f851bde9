/**
 * Both metrics endpoints during a real farm build: the agent's (/metrics of agentMetrics, as
 * `kiln agent --metrics-listen` serves it) and the controller's (its web console's /metrics).
 * While the build runs the agent shows a busy slot and the controller a running job; afterwards the
 * agent has counted the job and the controller's duration histogram has it.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startAgent } from "../../../agent/farm/index.js";
import { agentMetrics } from "../../../agent/farm/metrics.js";
import { startController } from "../../../controller/index.js";
import { startNatsServer } from "../../fixtures/nats-server.js";

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
  const agent = await startAgent({ nats: { url: nats.url }, name: "metered", builders: ["null"], slots: 2, pullExpiresMs: 1000, onJobDone: (r) => metrics.jobDone(r) });
  t.teardown(() => agent.stop());
  const served = await metrics.serve({ host: "127.0.0.1", port: 0 }, agent);
  t.teardown(() => served.stop());
  const agentUrl = `http://${served.address}/metrics`;
  const controllerUrl = `http://${controller.webAddress}/metrics`;

  const before = await scrape(agentUrl);
  t.is(value(before, 'kiln_agent_slots{agent="metered"}'), 2);
  t.is(value(before, 'kiln_agent_slots_busy{agent="metered"}'), 0);
  t.true(Number.isNaN(value(before, 'kiln_agent_jobs_total{result="succeeded",agent="metered"}')));

  const dir = mkdtempSync(join(tmpdir(), "kiln-metrics-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "template.json"), JSON.stringify({ builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["echo started", "sleep 3"] }] }));
  const child = spawn(process.execPath, [kiln, "build", "template.json"], { cwd: dir, env: { ...process.env, KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN } });
  t.teardown(() => child.kill("SIGKILL"));
  const exited = new Promise<number | null>((r) => child.on("close", r));

  await waitFor("a busy slot on the agent", async () => value(await scrape(agentUrl), 'kiln_agent_slots_busy{agent="metered"}') === 1, 30_000);
  await waitFor("a running job on the controller", async () => value(await scrape(controllerUrl, TOKEN), 'kiln_jobs{state="running",builder_type="null"}') === 1, 30_000);
  t.is(await exited, 0);

  await waitFor("the agent to count the job", async () => value(await scrape(agentUrl), 'kiln_agent_jobs_total{result="succeeded",agent="metered"}') === 1, 30_000);
  const after = await scrape(agentUrl);
  t.is(value(after, 'kiln_agent_slots_busy{agent="metered"}'), 0);
  t.false(Number.isNaN(value(after, 'kiln_agent_host_load1{agent="metered"}')));
  await waitFor("the controller to see the build succeed", async () => value(await scrape(controllerUrl, TOKEN), 'kiln_builds{state="succeeded"}') === 1, 30_000);
  const c = await scrape(controllerUrl, TOKEN);
  t.is(value(c, 'kiln_job_duration_seconds_count{builder_type="null",state="succeeded"}'), 1);
  t.true(value(c, 'kiln_job_duration_seconds_sum{builder_type="null",state="succeeded"}') >= 3);
  t.is(value(c, 'kiln_queue_wait_seconds_count{builder_type="null"}'), 1);
});
