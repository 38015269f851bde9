/** The `vmware` capability: Workstation or Player found as Packer finds them, and `vmrun list` answers. */
import type { HostCapabilityProbe } from "../../host-probe/index.js";
import { findVmwareDriver } from "./driver.js";

export const probeVmwareHost: HostCapabilityProbe = async (ctx) => {
  try {
    const vmware = await findVmwareDriver(ctx.env);
    await vmware.running(AbortSignal.timeout(30_000));
    return [{ capability: "vmware", ok: true, why: `${vmware.description}: ${vmware.identity.vmrun}` }];
  } catch (e) {
    return [{ capability: "vmware", ok: false, why: e instanceof Error ? e.message.split("\n").join(" ") : String(e) }];
  }
};
