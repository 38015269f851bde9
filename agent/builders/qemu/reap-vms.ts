/**
 * After a crash, QEMU processes of dead jobs keep running (and hold ports and disks). A restarted
 * agent kills those whose KILN_QEMU_OWNER (the pid of the process that ran the build) was one of
 * the dead jobs' pids. Linux only: reads /proc.
 */
import { readdir, readFile } from "node:fs/promises";
import type { LeftoverReaper } from "../types.js";
import { QEMU_OWNER_ENV } from "./qemu-process.js";

export const reapQemuVms: LeftoverReaper = async (deadJobs, log) => {
  if (deadJobs.length === 0) return;
  const deadPids = new Set(deadJobs.map((job) => String(job.pid)));
  let entries: string[];
  try {
    entries = (await readdir("/proc")).filter((p) => /^\d+$/.test(p));
  } catch {
    return; // no /proc: nothing Kiln could have started here
  }
  for (const pid of entries) {
    const owner = await ownerOf(pid);
    if (owner === undefined || !deadPids.has(owner)) continue;
    try {
      process.kill(Number(pid), "SIGKILL");
      log.info("killed a QEMU process left by a dead job", { pid, owner });
    } catch (e) {
      log.warn("could not kill a QEMU process left by a dead job", { pid, error: String(e) });
    }
  }
};

async function ownerOf(pid: string): Promise<string | undefined> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
    if (!cmdline.includes("qemu-system")) return undefined;
    const env = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
    const entry = env.find((e) => e.startsWith(`${QEMU_OWNER_ENV}=`));
    return entry?.slice(QEMU_OWNER_ENV.length + 1);
  } catch {
    return undefined; // gone, or not ours to read
  }
}
