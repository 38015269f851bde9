/**
 * Each job runs in its own folder `<workDir>/jobs/<buildId>-<jobIndex>-<attempt>/` holding a
 * lease file `kiln-job.json` (agent name and pid). A crashed agent cannot clean up after itself,
 * so the next agent start with the same name removes folders whose lease names a dead pid.
 */
import { errorMessage } from "../../shared/error-message.js";
import { chmod, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { OperatorLog } from "../../shared/operator-log.js";
import type { LeftoverReaper } from "../builders/types.js";

export const LEASE_FILE = "kiln-job.json";

export interface JobLease {
  agent: string;
  pid: number;
  buildId: string;
  jobIndex: number;
  attempt: number;
  startedAt: string;
}

export function jobsRoot(workDir: string): string {
  return join(workDir, "jobs");
}

/**
 * Creates the job's folder (replacing a stale one of the same name) and writes its lease. Job
 * folders hold the bundle and every temp file of the build (scripts with secrets in them): the
 * agent user's alone (0700).
 */
export async function createJobDir(workDir: string, lease: JobLease): Promise<string> {
  const root = jobsRoot(workDir);
  const dir = join(root, `${lease.buildId}-${lease.jobIndex}-${lease.attempt}`);
  // One mkdir in the usual case: every file-system call is a thread-pool round trip (a CPU profile
  // of an agent running null builds: ~20 % in file-system calls, ~45 of them per job). The root
  // and a stale folder are dealt with when the mkdir says so.
  if (!preparedRoots.has(root)) {
    await mkdir(root, { recursive: true, mode: 0o700 });
    await chmod(root, 0o700); // made by an older agent with another mode, or under another umask
    preparedRoots.add(root);
  }
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EEXIST" && code !== "ENOENT") throw e;
    // EEXIST: a stale folder of the same name; ENOENT: the root was removed under us.
    await rm(dir, { recursive: true, force: true });
    await mkdir(root, { recursive: true, mode: 0o700 });
    await chmod(root, 0o700);
    await mkdir(dir, { mode: 0o700 });
  }
  await writeFile(join(dir, LEASE_FILE), JSON.stringify(lease, null, 2) + "\n");
  return dir;
}

/** Jobs roots this process has made or fixed the mode of (see createJobDir). */
const preparedRoots = new Set<string>();

export async function removeJobDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface ReapResult {
  removed: string[];
  leases: JobLease[];
}

/**
 * Removes job folders of this agent (same name) whose process is gone, after running the
 * builders' `reapers` (BuilderPlugin.leftoverReaper: VMs, containers) on their leases. Folders of other agents sharing the work dir, and of live
 * pids, are left alone; folders without a readable lease are left too (and reported) since we
 * cannot know whose they are. Call it at agent start, before taking jobs: a lease with this very
 * pid is then from an earlier life (agents in containers are often pid 1 every time).
 */
export async function reapLeftovers(workDir: string, agentName: string, log: OperatorLog, reapers: readonly LeftoverReaper[] = []): Promise<ReapResult> {
  const root = jobsRoot(workDir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return { removed: [], leases: [] };
  }
  const dead: { dir: string; lease: JobLease }[] = [];
  for (const name of names) {
    const dir = join(root, name);
    let lease: JobLease;
    try {
      lease = JSON.parse(await readFile(join(dir, LEASE_FILE), "utf8")) as JobLease;
    } catch {
      log.warn("job folder without a readable lease left in place", { dir });
      continue;
    }
    if (lease.agent !== agentName) continue;
    if (lease.pid !== process.pid && pidAlive(lease.pid)) continue;
    dead.push({ dir, lease });
  }
  const leases = dead.map((d) => d.lease);
  if (leases.length > 0) {
    for (const reaper of reapers) {
      try {
        await reaper(leases, log);
      } catch (e) {
        log.error("a leftover reaper failed", { error: errorMessage(e) });
      }
    }
  }
  const removed: string[] = [];
  for (const { dir, lease } of dead) {
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
    log.info("reaped a job folder a crashed agent left behind", { dir, build: lease.buildId, job: lease.jobIndex, pid: lease.pid });
  }
  return { removed, leases };
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: gone. EPERM: the pid was reused by another user's process, so our agent is gone too.
    return false;
  }
}
