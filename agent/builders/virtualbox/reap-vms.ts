/**
 * After a crash, VirtualBox VMs of dead jobs stay registered (and may run). A restarted agent
 * powers off and deletes those whose `kiln/owner` extradata is the pid of a dead job's process.
 */
import type { LeftoverReaper } from "../types.js";
import { OWNER_EXTRADATA_KEY } from "./state.js";
import { findVBoxManage, VBoxManage } from "./vboxmanage.js";

export const reapVirtualBoxVms: LeftoverReaper = async (deadJobs, log) => {
  if (deadJobs.length === 0) return;
  const binary = await findVBoxManage();
  if (!binary) return;
  const vbox = new VBoxManage({ binary });
  const deadPids = new Set(deadJobs.map((job) => String(job.pid)));
  const vms = await vbox.listVms().catch(() => []);
  for (const vm of vms) {
    const owner = /^Value: (.*)$/m.exec(await vbox.run(["getextradata", vm.uuid, OWNER_EXTRADATA_KEY]).catch(() => ""))?.[1]?.trim();
    if (!owner || !deadPids.has(owner)) continue;
    try {
      if (await vbox.isRunning(vm.uuid)) await vbox.run(["controlvm", vm.uuid, "poweroff"]);
      await vbox.run(["unregistervm", vm.uuid, "--delete"]);
      log.info("removed a VirtualBox VM left by a dead job", { vm: vm.name, owner });
    } catch (e) {
      log.warn("could not remove a VirtualBox VM left by a dead job", { vm: vm.name, error: String(e) });
    }
  }
};
