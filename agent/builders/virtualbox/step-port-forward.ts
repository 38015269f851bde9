/**
 * Packer's StepPortForwarding: NIC 1 on NAT and a `packercomm` rule from a free loopback port in
 * host_port_min..max (leased until the build ends) to the guest's SSH port. A rule left by an
 * earlier build of an imported VM is replaced. skip_nat_mapping connects to the guest port as is.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { VirtualBoxCommonConfig as Config } from "../../../shared/components/builders/virtualbox-common.js";
import type { Step } from "../../runner/steps.js";
import { leasePort, type PortLease } from "../common/host-ports.js";
import type { DriverReady, PortForwardReady, VmReady } from "./state.js";

export function stepPortForward(config: Config): Step<DriverReady & VmReady, PortForwardReady> {
  let lease: PortLease | undefined;
  return {
    name: "port forwarding",
    async run(ctx, { vbox, vmName }) {
      const comm = config.communicator;
      if (comm.type === "none") return { commHostPort: 0 };
      const guestPort = comm.type === "ssh" ? comm.ssh.port : 22;
      if (config.skipNatMapping) return { commHostPort: guestPort };
      lease = await leasePort(config.hostPortMin, config.hostPortMax, "127.0.0.1", "host_port_min/host_port_max").catch((e: unknown) => {
        throw new Error(`Error creating port forwarding rule: ${errorMessage(e)}`);
      });
      await vbox.run(["modifyvm", vmName, "--nic1", "nat"], ctx.signal).catch((e: unknown) => {
        throw new Error(`Failed to configure NAT interface: ${errorMessage(e)}`);
      });
      ctx.ui.say(`Creating forwarded port mapping for communicator (SSH, WinRM, etc) (host port ${lease.port})`);
      const add = ["modifyvm", vmName, "--natpf1", `packercomm,tcp,127.0.0.1,${lease.port},,${guestPort}`];
      try {
        await vbox.run(add, ctx.signal);
      } catch (e) {
        if (!(e instanceof Error) || !e.message.includes("A NAT rule of this name already exists")) {
          throw new Error(`Error creating port forwarding rule: ${errorMessage(e)}`);
        }
        await vbox.run(["modifyvm", vmName, "--natpf1", "delete", "packercomm"], ctx.signal);
        await vbox.run(add, ctx.signal);
      }
      return { commHostPort: lease.port };
    },
    async cleanup() {
      lease?.release();
      lease = undefined;
    },
  };
}
