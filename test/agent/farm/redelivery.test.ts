import test from "ava";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LEASE_FILE, probeHost, startAgent, type DeadJob, type JobLease } from "../../../agent/farm/index.js";
import { defaultCatalogue, type PluginCatalogue } from "../../../agent/catalogue.js";
import { QEMU_OWNER_ENV } from "../../../agent/builders/qemu/qemu-process.js";
import { once } from "node:events";
import { startController } from "../../../controller/index.js";
import { BUILD_OUTPUT_STREAM, buildOutputFilter, decodeBuildEvent, decodeLogLine, type Bus, type BuildEvent } from "../../../shared/bus/index.js";
import { DeliverPolicy } from "@nats-io/jetstream";
import { alive, finished, jobRecord, spawnAgentCli, startFarm, submitTemplate, waitFor } from "./farm-jobs.js";
import { runKilnCli, type KilnRun } from "../../fixtures/kiln-cli.js";
import { tempDir } from "../../fixtures/temp-dir.js";

/** A pid that surely is dead: that of a child that has exited. */
function pidOfExitedProcess(): Promise<number> {
  return new Promise((done) => {
    const c = spawn("true");
    c.once("exit", () => done(c.pid!));
  });
}

/** The job folder (with its lease) a crashed agent would have left. */
async function plantJobFolder(workDir: string, lease: Omit<JobLease, "startedAt">): Promise<void> {
  const dir = join(workDir, "jobs", `${lease.buildId}-${lease.jobIndex}-${lease.attempt}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, LEASE_FILE), JSON.stringify({ ...lease, startedAt: new Date().toISOString() }));
}

type OutputItem = { kind: "log"; text: string } | { kind: "event"; event: BuildEvent };

/** Everything stored for a build so far, in stream order. */
async function buildOutput(bus: Bus, buildId: string): Promise<OutputItem[]> {
  const consumer = await bus.js.consumers.get(BUILD_OUTPUT_STREAM, { filter_subjects: buildOutputFilter(buildId), deliver_policy: DeliverPolicy.All });
  const items: OutputItem[] = [];
  for (;;) {
    const m = await consumer.next({ expires: 1000 });
    if (!m) return items;
    if (m.subject.endsWith(".log")) items.push({ kind: "log", text: decodeLogLine(m.data, m.subject, m.headers).text });
    else items.push({ kind: "event", event: decodeBuildEvent(m.data, m.subject) });
    if (m.info.pending === 0) return items;
  }
}


/** The real CLI as a child process, with its own deadline. */
function runKiln(args: string[], env: NodeJS.ProcessEnv): Promise<KilnRun> {
  return runKilnCli(args, { env });
}

test("kill -9 of an agent mid-job: the job is redelivered after the ack wait to another agent and completes, kiln logs says attempt 1 was lost; the dead agent's folder is reaped on its restart", async (t) => {
  t.timeout(180_000);
  const farm = await startFarm(2000);
  t.teardown(() => farm.stop());
  const scratch = await tempDir("kiln-redeliver-");
  const workDir = join(scratch, "work-victim");
  const attemptsLog = join(scratch, "attempts");

  // The victim: a real `kiln agent` process, with a 2 s ack wait, configured from the environment.
  const victim = spawnAgentCli(["--builders", "null", "--ack-wait", "2s", "--log-format", "json"], {
    KILN_NATS_URL: farm.nats.url,
    KILN_AGENT_NAME: "victim",
    KILN_AGENT_WORK_DIR: workDir,
  });
  t.teardown(() => void victim.child.kill("SIGKILL"));
  await waitFor("the victim agent to start", async () => victim.output(), (o) => o.includes("is taking jobs"), 45_000);
  t.regex(victim.output(), /Builder types this agent takes: null\n/);

  const { buildId } = await submitTemplate(farm.bus, {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: [`echo attempt >> ${attemptsLog}`, "echo attempt-started", "sleep 4", "echo done"] }],
  });
  const running = await waitFor("the victim to run the job", () => jobRecord(farm.bus, buildId, 0), (r) => r?.state === "running", 45_000);
  t.is(running?.agent, "victim");
  t.is(running?.attempts, 1);
  await waitFor("the provisioner to start", async () => existsSync(attemptsLog), (v) => v, 45_000);
  // Attempt 1's partial output is on the stream before the kill (the agent sends log lines in
  // batches, so a line printed just before a kill -9 may die with it).
  await waitFor(
    "attempt 1's first line on the build's output",
    async () => (await buildOutput(farm.bus, buildId)).some((m) => m.kind === "log" && m.text.includes("attempt-started")),
    (v) => v,
    45_000,
  );
  const leftover = (await readdir(join(workDir, "jobs")))[0];
  t.is(leftover, `${buildId}-0-1`);

  victim.child.kill("SIGKILL");
  await new Promise((r) => victim.child.once("exit", r));
  const killedAt = Date.now();

  const rescuer = await startAgent({ nats: { url: farm.nats.url }, name: "rescuer", builders: ["null"], ackWaitMs: 2000 });
  t.teardown(() => rescuer.stop());
  const done = await waitFor("the job to finish on the rescuer", () => jobRecord(farm.bus, buildId, 0), finished, 30_000);
  t.is(done?.state, "succeeded");
  t.is(done?.agent, "rescuer");
  t.is(done?.attempts, 2);
  t.true(Date.now() - killedAt >= 1500, "not before the ack wait ran out");
  t.deepEqual((await readFile(attemptsLog, "utf8")).trim().split("\n"), ["attempt", "attempt"]);

  // In the build's output, in stream order: attempt 1's partial output, the line saying it was
  // lost, then attempt 2 from its start.
  const order = (await buildOutput(farm.bus, buildId)).map((m) =>
    m.kind === "log" ? m.text : m.event.kind === "job-started" ? `started ${m.event.attempt} on ${m.event.agent}` : m.event.kind === "job-waiting" ? `waiting: ${m.event.reason}` : m.event.kind,
  );
  const lostLine = "waiting: attempt 1 on agent victim was lost (agent stopped responding); retrying as attempt 2";
  const firstStart = order.indexOf("started 1 on victim");
  const partial = order.findIndex((l, i) => i > firstStart && l.includes("attempt-started"));
  const lost = order.indexOf(lostLine);
  const secondStart = order.indexOf("started 2 on rescuer");
  t.true(firstStart >= 0 && partial > firstStart && lost > partial && secondStart > lost, JSON.stringify(order, null, 1));
  t.false(order.slice(firstStart, lost).some((l) => l.includes("done")), "attempt 1 never finished");

  // And `kiln logs` (a real client of a real controller) prints it.
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: farm.nats.url }, token: "redelivery-token" });
  t.teardown(() => controller.stop());
  const logs = await runKiln(["logs", buildId], { KILN_CONTROLLER: controller.address, KILN_TOKEN: "redelivery-token" });
  t.is(logs.status, 0, logs.stderr);
  t.true(logs.stderr.includes("attempt 1 on agent victim was lost (agent stopped responding); retrying as attempt 2"), logs.stderr);
  t.is(logs.stdout.split("attempt-started").length - 1, 2, "both attempts' output is shown");

  // The dead agent's job folder is still there until an agent of that name starts again.
  t.true(existsSync(join(workDir, "jobs", leftover)));
  const restarted = await startAgent({ nats: { url: farm.nats.url }, name: "victim", builders: ["null"], workDir, ackWaitMs: 2000 });
  t.teardown(() => restarted.stop());
  t.false(existsSync(join(workDir, "jobs", leftover)), "reaped at start");
});

test("reaping leaves folders of live agents, of other agents, and without a lease alone", async (t) => {
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const workDir = await tempDir("kiln-reap-");
  const jobs = join(workDir, "jobs");
  const lease = (agent: string, pid: number) => JSON.stringify({ agent, pid, buildId: "b", jobIndex: 0, attempt: 1, startedAt: new Date().toISOString() });
  const deadPid = await pidOfExitedProcess();
  for (const [name, text] of [
    ["dead-mine", lease("reaper", deadPid)],
    ["live-mine", lease("reaper", process.ppid)],
    ["dead-other", lease("someone-else", deadPid)],
    ["no-lease", undefined],
  ] as const) {
    await mkdir(join(jobs, name), { recursive: true });
    if (text) await writeFile(join(jobs, name, "kiln-job.json"), text);
  }
  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "reaper", builders: ["null"], workDir });
  t.teardown(() => agent.stop());
  t.deepEqual((await readdir(jobs)).sort(), ["dead-other", "live-mine", "no-lease"]);
});

test("a stopping agent hands its running job back; another agent runs it from the start", async (t) => {
  const farm = await startFarm(30_000);
  t.teardown(() => farm.stop());
  const scratch = await tempDir("kiln-handback-");
  const pidFile = join(scratch, "pid");
  const first = await startAgent({ nats: { url: farm.nats.url }, name: "first", builders: ["null"] });
  const { buildId } = await submitTemplate(farm.bus, {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: [`sleep 3 & echo $! > ${pidFile}; wait`] }],
  });
  await waitFor("the first agent to run the job", async () => existsSync(pidFile), (v) => v);
  const firstPid = Number((await readFile(pidFile, "utf8")).trim());
  const stopStarted = Date.now();
  await first.stop();
  t.true(Date.now() - stopStarted < 2500, "stop does not wait for the job to finish");
  // Killed by the stop; give init a moment to reap the orphan.
  const gone = await waitFor("the job's process to be gone", async () => alive(firstPid), (a) => !a, 3000).then(() => true, () => false);
  t.true(gone, "the job's process was cleaned up");
  t.is((await jobRecord(farm.bus, buildId, 0))?.state, "queued");

  // No ack wait to sit out: the nak makes the job available at once.
  const second = await startAgent({ nats: { url: farm.nats.url }, name: "second", builders: ["null"] });
  t.teardown(() => second.stop());
  const done = await waitFor("the second agent to finish it", () => jobRecord(farm.bus, buildId, 0), finished, 15_000);
  t.is(done?.state, "succeeded");
  t.is(done?.agent, "second");
  t.is(done?.attempts, 2);
});

test("a restarting agent runs the leftover reapers its builder plugins declare, with its dead jobs' leases", async (t) => {
  t.timeout(60_000);
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const workDir = await tempDir("kiln-plugin-reap-");
  t.teardown(() => rm(workDir, { recursive: true, force: true }));
  const deadPid = await pidOfExitedProcess();
  await plantJobFolder(workDir, { agent: "reaps", pid: deadPid, buildId: "b9", jobIndex: 0, attempt: 1 });

  // A stand-in declaration on the null builder: what the agent does with any plugin's reaper.
  const reaped: DeadJob[] = [];
  const catalogue: PluginCatalogue = {
    ...defaultCatalogue,
    async builder(type) {
      const real = await defaultCatalogue.builder(type);
      return type === "null" ? { ...real, leftoverReaper: async (dead) => void reaped.push(...dead) } : real;
    },
  };
  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "reaps", builders: ["null"], workDir, catalogue });
  t.teardown(() => agent.stop());
  t.deepEqual(reaped.map((j) => [j.pid, j.buildId, j.jobIndex, j.attempt]), [[deadPid, "b9", 0, 1]]);
  t.false(existsSync(join(workDir, "jobs", "b9-0-1")));
});

test("a restarted qemu agent kills the QEMU its dead job left (the qemu plugin's declared reaper)", async (t) => {
  const probe = await probeHost();
  if (!["qemu", "qemu-img"].every((c) => probe.capabilities.includes(c))) {
    t.pass("no qemu on this host: nothing to reap");
    return;
  }
  t.timeout(60_000);
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const workDir = await tempDir("kiln-qemu-reap-");
  t.teardown(() => rm(workDir, { recursive: true, force: true }));
  const deadPid = await pidOfExitedProcess();
  // A real, idle QEMU marked as the dead job's, as startQemu marks the VMs it starts.
  const vm = spawn("qemu-system-x86_64", ["-machine", "accel=tcg", "-nodefaults", "-display", "none", "-S"], {
    stdio: "ignore",
    env: { ...process.env, [QEMU_OWNER_ENV]: String(deadPid) },
  });
  t.teardown(() => void vm.kill("SIGKILL"));
  const vmExit = once(vm, "exit");
  await waitFor("QEMU to start", async () => existsSync(`/proc/${vm.pid}/environ`) && (await readFile(`/proc/${vm.pid}/cmdline`, "utf8")).includes("qemu-system"), (v) => v, 10_000);
  await plantJobFolder(workDir, { agent: "vm-host", pid: deadPid, buildId: "bq", jobIndex: 0, attempt: 1 });

  const agent = await startAgent({ nats: { url: farm.nats.url }, name: "vm-host", builders: ["qemu"], workDir, probe });
  t.teardown(() => agent.stop());
  const [, signal] = (await vmExit) as [number | null, NodeJS.Signals | null];
  t.is(signal, "SIGKILL");
});
