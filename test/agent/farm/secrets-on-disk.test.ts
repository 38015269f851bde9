import test from "ava";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { JOBS_STREAM } from "../../../shared/bus/index.js";
import { alive, jobRecord, spawnAgentCli, startFarm, submitTemplate, waitFor } from "./farm-jobs.js";
import { tempDir } from "../../fixtures/temp-dir.js";

/** Every regular file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && readFileSync(p).includes(needle)) found.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return found;
}

test("after kill -9 of an agent mid-job, its restart leaves no file holding the job's secret; job folder and bundle cache are private", async (t) => {
  t.timeout(120_000);
  const farm = await startFarm(30_000);
  t.teardown(() => farm.stop());
  const scratch = await tempDir("kiln-secrets-");
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  // The agent's own system temp folder (TMPDIR) and work dir, both searched afterwards.
  const agentTmp = join(scratch, "tmp");
  const workDir = join(scratch, "work");
  await mkdir(agentTmp);
  const pidFile = join(scratch, "sleep.pid");
  const env = { KILN_NATS_URL: farm.nats.url, KILN_AGENT_NAME: "leaky", KILN_AGENT_WORK_DIR: workDir, TMPDIR: agentTmp };

  const victim = spawnAgentCli(["--builders", "null"], env);
  t.teardown(() => void victim.child.kill("SIGKILL"));
  await waitFor("the agent to start", async () => victim.output(), (o) => o.includes("is taking jobs"), 45_000);

  const secret = `hunter2-${process.pid}-${Date.now()}`;
  const { buildId } = await submitTemplate(
    farm.bus,
    {
      variables: { password: null },
      "sensitive-variables": ["password"],
      builders: [{ type: "null", communicator: "none" }],
      provisioners: [{ type: "shell-local", inline: ["PASSWORD='{{user `password`}}'", `sleep 60 & echo $! > ${pidFile}; wait`] }],
    },
    {},
    [["password", secret]],
  );
  t.teardown(() => {
    // The orphaned sleep of the killed job: not this test's subject (the agent reaps processes of
    // builders that declare them), but it must not outlive the test.
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, "utf8").trim());
      if (alive(pid)) process.kill(pid, "SIGKILL");
    }
  });
  await waitFor("the job to be running", async () => existsSync(pidFile) && (await readFile(pidFile, "utf8")).trim() !== "", (v) => v, 45_000);
  t.is((await jobRecord(farm.bus, buildId, 0))?.state, "running");

  // While it runs, the script holding the secret is in the job's folder, and only there.
  const jobDir = join(workDir, "jobs", `${buildId}-0-1`);
  const during = filesContaining(scratch, secret);
  t.true(during.length > 0, "the running job's script holds the secret (the search works)");
  t.deepEqual(during.filter((f) => !f.startsWith(jobDir + "/")), [], "no file outside the job folder holds it");
  t.is(statSync(jobDir).mode & 0o777, 0o700);
  t.is(statSync(join(workDir, "jobs")).mode & 0o777, 0o700);
  const cache = join(workDir, "bundle-cache");
  t.is(statSync(cache).mode & 0o777, 0o700);
  for (const name of readdirSync(cache)) t.is(statSync(join(cache, name)).mode & 0o777, 0o600, name);

  victim.child.kill("SIGKILL");
  await once(victim.child, "exit");
  // No redelivery to the restarted agent: this test is about what the dead one left.
  await farm.bus.jsm.streams.purge(JOBS_STREAM);

  const restarted = spawnAgentCli(["--builders", "null"], env);
  t.teardown(() => void restarted.child.kill("SIGKILL"));
  await waitFor("the agent to restart", async () => restarted.output(), (o) => o.includes("is taking jobs"), 45_000);
  t.deepEqual(filesContaining(scratch, secret), [], "no file under the agent's temp folder or work dir holds the secret");
  t.false(existsSync(jobDir), "the dead job's folder is reaped");
  t.deepEqual(readdirSync(agentTmp), [], "nothing of the job in the system temp folder");

  restarted.child.kill("SIGTERM");
  const [code] = (await once(restarted.child, "exit")) as [number | null];
  t.is(code, 0);
});
