/**
 * After a crash, VMware VMs of dead jobs keep running. A restarted agent stops (hard) every VM
 * `vmrun list` shows whose .vmx carries `kiln.owner` = the pid of a dead job's process. The
 * files stay: they lie in the dead job's output folder, which the agent reaps with the job.
 */
import type { LeftoverReaper } from "../types.js";
import { findVmwareDriver } from "./driver.js";
import { OWNER_VMX_KEY } from "./state.js";
import { readVmx } from "./vmx-file.js";

export const reapVmwareVms: LeftoverReaper = async (deadJobs, log) => {
  if (deadJobs.length === 0) return;
  const vmware = await findVmwareDriver().catch(() => undefined);
  if (!vmware) return;
  const deadPids = new Set(deadJobs.map((job) => String(job.pid)));
  for (const vmxPath of await vmware.running().catch(() => [])) {
    const owner = (await readVmx(vmxPath).catch(() => undefined))?.get(OWNER_VMX_KEY);
    if (!owner || !deadPids.has(owner)) continue;
    try {
      await vmware.stop(vmxPath);
      log.info("stopped a VMware VM left by a dead job", { vmx: vmxPath, owner });
    } catch (e) {
      log.warn("could not stop a VMware VM left by a dead job", { vmx: vmxPath, error: String(e) });
    }
  }
};
