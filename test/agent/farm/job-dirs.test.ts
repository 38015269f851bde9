import test from "ava";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createJobDir, jobsRoot, LEASE_FILE, type JobLease } from "../../../agent/farm/job-dirs.js";
import { tempDir } from "../../fixtures/temp-dir.js";

const lease = (attempt: number): JobLease => ({ agent: "a1", pid: process.pid, buildId: "b1", jobIndex: 0, attempt, startedAt: new Date().toISOString() });

async function workDir(t: { teardown(f: () => Promise<void>): void }): Promise<string> {
  const dir = await tempDir("kiln-job-dirs-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("a job folder and the jobs root are the agent user's alone, with the lease inside, even where an older agent left the root open", async (t) => {
  const work = await workDir(t);
  await mkdir(jobsRoot(work), { mode: 0o755 });
  await chmod(jobsRoot(work), 0o755);
  const dir = await createJobDir(work, lease(1));
  t.is(statSync(dir).mode & 0o777, 0o700);
  t.is(statSync(jobsRoot(work)).mode & 0o777, 0o700);
  t.like(JSON.parse(await readFile(join(dir, LEASE_FILE), "utf8")), { agent: "a1", buildId: "b1", attempt: 1 });
});

test("a stale folder of the same job and attempt is replaced, not reused", async (t) => {
  const work = await workDir(t);
  const first = await createJobDir(work, lease(2));
  await writeFile(join(first, "left-over"), "x");
  const again = await createJobDir(work, lease(2));
  t.is(again, first);
  t.false(existsSync(join(again, "left-over")));
  t.true(existsSync(join(again, LEASE_FILE)));
});

test("the jobs root removed while the agent runs is made again", async (t) => {
  const work = await workDir(t);
  await createJobDir(work, lease(1));
  await rm(jobsRoot(work), { recursive: true });
  const dir = await createJobDir(work, lease(3));
  t.true(existsSync(join(dir, LEASE_FILE)));
  t.is(statSync(jobsRoot(work)).mode & 0o777, 0o700);
});
