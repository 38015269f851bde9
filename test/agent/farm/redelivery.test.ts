import test from "ava";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgent } from "../../../agent/farm/index.js";
import { alive, finished, jobRecord, spawnAgentCli, startFarm, submitTemplate, waitFor } from "./farm-jobs.js";

test("kill -9 of an agent mid-job: the job is redelivered after the ack wait to another agent and completes; the dead agent's folder is reaped on its restart", async (t) => {
  const farm = await startFarm(2000);
  t.teardown(() => farm.stop());
  const scratch = await mkdtemp(join(tmpdir(), "kiln-redeliver-"));
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
    provisioners: [{ type: "shell-local", inline: [`echo attempt >> ${attemptsLog}`, "sleep 4", "echo done"] }],
  });
  const running = await waitFor("the victim to run the job", () => jobRecord(farm.bus, buildId, 0), (r) => r?.state === "running", 45_000);
  t.is(running?.agent, "victim");
  t.is(running?.attempts, 1);
  await waitFor("the provisioner to start", async () => existsSync(attemptsLog), (v) => v, 45_000);
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

  // The dead agent's job folder is still there until an agent of that name starts again.
  t.true(existsSync(join(workDir, "jobs", leftover)));
  const restarted = await startAgent({ nats: { url: farm.nats.url }, name: "victim", builders: ["null"], workDir, ackWaitMs: 2000 });
  t.teardown(() => restarted.stop());
  t.false(existsSync(join(workDir, "jobs", leftover)), "reaped at start");
});

test("reaping leaves folders of live agents, of other agents, and without a lease alone", async (t) => {
  const farm = await startFarm();
  t.teardown(() => farm.stop());
  const workDir = await mkdtemp(join(tmpdir(), "kiln-reap-"));
  const jobs = join(workDir, "jobs");
  const lease = (agent: string, pid: number) => JSON.stringify({ agent, pid, buildId: "b", jobIndex: 0, attempt: 1, startedAt: new Date().toISOString() });
  // A pid that surely is dead: a child that has exited.
  const deadPid = await new Promise<number>((resolve) => {
    const c = spawn("true");
    c.once("exit", () => resolve(c.pid!));
  });
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
  const scratch = await mkdtemp(join(tmpdir(), "kiln-handback-"));
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
