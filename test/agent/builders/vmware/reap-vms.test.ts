/**
 * After an agent crash, VMware VMs its jobs started keep running. A restarted agent stops those
 * whose .vmx says `kiln.owner` = a dead job's pid and leaves the others running. Real VMs: the
 * VMware stand-in's vmrun, each VM a QEMU process.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { reapVmwareVms } from "../../../../agent/builders/vmware/reap-vms.js";
import { findOnPath } from "../../../../agent/host-probe/index.js";
import { silentLog } from "../../../../shared/operator-log.js";
import { vmwareStandIn } from "../../../fixtures/vmware-stand-in.js";
import { tempDir } from "../../../fixtures/temp-dir.js";

test("VMware VMs marked with a dead job's pid are stopped; one owned by a live process keeps running", async (t) => {
  if (!(await findOnPath(process.env, "qemu-system-x86_64")) || process.getuid?.() !== 0) return t.pass("skipped: needs qemu-system-x86_64 and root");
  const standIn = await vmwareStandIn(t);
  const dir = await tempDir("kiln-vmw-reap-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const dead = spawn("true");
  await once(dead, "exit");
  const vmx = async (name: string, owner: number): Promise<string> => {
    const file = join(dir, `${name}.vmx`);
    await writeFile(file, `.encoding = "UTF-8"\nconfig.version = "8"\ndisplayName = "${name}"\nmemsize = "64"\nkiln.owner = "${owner}"\n`);
    return file;
  };
  const orphan = await vmx("orphan", dead.pid!);
  const kept = await vmx("kept", process.pid);
  for (const file of [orphan, kept]) {
    const r = await standIn.run("vmrun", ["-T", "ws", "start", file, "nogui"]);
    t.is(r.code, 0, r.stderr);
  }
  t.deepEqual(standIn.runningVms().map((vm) => vm.vmx).sort(), [kept, orphan]);

  // The reaper finds VMware as an agent would: on its PATH (here the stand-in's environment).
  const saved = { ...process.env };
  Object.assign(process.env, standIn.env);
  t.teardown(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });
  await reapVmwareVms([{ pid: dead.pid!, buildId: "b1", jobIndex: 0, attempt: 1 }], silentLog);
  t.deepEqual(standIn.runningVms().map((vm) => vm.vmx), [kept]);
});
