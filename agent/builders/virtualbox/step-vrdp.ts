/**
 * Packer's StepConfigureVRDP: a free port in vrdp_port_min..max on vrdp_bind_address, leased
 * until the build ends (so parallel builds never share one), and VRDE switched on there without
 * authentication, so an operator can watch a headless build.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { VirtualBoxCommonConfig as Config } from "../../../shared/components/builders/virtualbox-common.js";
import type { Step } from "../../runner/steps.js";
import { leasePort, type PortLease } from "../common/host-ports.js";
import type { DriverReady, VmReady } from "./state.js";

export interface VrdpReady {
  vrdpAddress: string;
  vrdpPort: number;
}

export function stepVrdp(config: Config): Step<DriverReady & VmReady, VrdpReady> {
  let lease: PortLease | undefined;
  return {
    name: "configure vrdp",
    async run(ctx, { vbox, vmName }) {
      lease = await leasePort(config.vrdpPortMin, config.vrdpPortMax, config.vrdpBindAddress, "vrdp_port_min/vrdp_port_max").catch((e: unknown) => {
        throw new Error(`Error finding port: ${errorMessage(e)}`);
      });
      const args = ["modifyvm", vmName, "--vrdeaddress", config.vrdpBindAddress, "--vrdeauthtype", "null", "--vrde", "on", "--vrdeport", String(lease.port)];
      await vbox.run(args, ctx.signal).catch((e: unknown) => {
        throw new Error(`Error enabling VRDP: ${errorMessage(e)}`);
      });
      return { vrdpAddress: config.vrdpBindAddress, vrdpPort: lease.port };
    },
    async cleanup() {
      lease?.release();
      lease = undefined;
    },
  };
}
