/**
 * After an agent crash, the QEMU processes its jobs started keep running, holding ports and disks.
 * A restarted agent kills those whose owner (KILN_QEMU_OWNER, set by startQemu) was a dead job's
 * process, and leaves every other QEMU alone. Real qemu-system-x86_64 processes (no disk, paused).
 */
import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { QEMU_OWNER_ENV } from "../../../../agent/builders/qemu/qemu-process.js";
import { reapQemuVms } from "../../../../agent/builders/qemu/reap-vms.js";
import type { JobLease } from "../../../../agent/farm/job-dirs.js";
import { silentLog } from "../../../../shared/operator-log.js";

function lease(pid: number): JobLease {
  return { agent: "crashed-agent", pid, buildId: "b1", jobIndex: 0, attempt: 1, startedAt: new Date().toISOString() };
}

/** A QEMU that does nothing (paused, no devices) owned by `owner`, as startQemu would mark it. */
async function idleQemu(owner: number): Promise<ChildProcess> {
  const child = spawn("qemu-system-x86_64", ["-machine", "accel=tcg", "-nodefaults", "-display", "none", "-S"], {
    stdio: "ignore",
    env: { ...process.env, [QEMU_OWNER_ENV]: String(owner) },
  });
  await once(child, "spawn");
  return child;
}

test("QEMU processes of dead jobs are killed; one owned by a live process is left running", async (t) => {
  // A process that ran a build and died: its pid is in the job's lease.
  const dead = spawn("true");
  await once(dead, "exit");
  const orphan = await idleQemu(dead.pid!);
  const other = await idleQemu(process.pid);
  t.teardown(() => {
    orphan.kill("SIGKILL");
    other.kill("SIGKILL");
  });
  const orphanExit = once(orphan, "exit");
  await new Promise((r) => setTimeout(r, 300)); // QEMU has exec'd: /proc shows its command line

  await reapQemuVms([lease(dead.pid!)], silentLog);

  const [, signal] = (await orphanExit) as [number | null, NodeJS.Signals | null];
  t.is(signal, "SIGKILL");
  await new Promise((r) => setTimeout(r, 300)); // a wrongly killed QEMU would have exited by now
  t.is(other.exitCode, null);
  t.is(other.signalCode, null);
});

test("no dead jobs: nothing is touched", async (t) => {
  const vm = await idleQemu(999_999_999);
  t.teardown(() => void vm.kill("SIGKILL"));
  await new Promise((r) => setTimeout(r, 300));
  await reapQemuVms([], silentLog);
  await new Promise((r) => setTimeout(r, 300));
  t.is(vm.exitCode, null);
  t.is(vm.signalCode, null);
});
