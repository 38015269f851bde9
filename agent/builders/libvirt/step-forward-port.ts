/**
 * Kiln's `user` network interface: QEMU's user-mode network (no libvirt network, no bridge, no
 * private address anyone must route to). Once the domain runs, the communicator's port is
 * forwarded from a free loopback port of this host with the QEMU monitor's `hostfwd_add` — the
 * way that works with Debian 12's libvirt, which has no passt and ignores <portForward> without it
 * (../shared/notes/libvirt-lab.md). The port lease is held until the build ends.
 */
import type { Config } from "../../../shared/components/builders/libvirt.js";
import type { Step } from "../../runner/steps.js";
import { leasePort, type PortLease } from "../common/host-ports.js";
import type { DomainDefined } from "./step-define-domain.js";

export interface PortForwarded {
  /** The loopback port that reaches the guest's communicator port, when the domain has a user NIC. */
  forwardedPort?: number;
}

export function stepForwardPort(config: Config, guestPort: number): Step<DomainDefined, PortForwarded> {
  const leases: PortLease[] = [];
  return {
    name: "forward communicator port",
    async run(ctx, state) {
      if (!config.networkInterfaces.some((ni) => ni.type === "user") || guestPort === 0) return {};
      const lease = await leasePort(config.sshHostPortMin, config.sshHostPortMax, "127.0.0.1", "ssh_host_port_min/ssh_host_port_max");
      leases.push(lease);
      const netdev = userNetdev(await state.domain.monitor("info network", true));
      if (!netdev) throw new Error(`domain ${state.domain.name} has no user-mode network device to forward through (QEMU's 'info network' lists none)`);
      const answer = await state.domain.monitor(`hostfwd_add ${netdev} tcp:127.0.0.1:${lease.port}-:${guestPort}`, true);
      if (answer.trim() !== "") throw new Error(`QEMU refused the port forward 127.0.0.1:${lease.port} -> guest:${guestPort}: ${answer.trim()}`);
      ctx.ui.say(`Forwarding 127.0.0.1:${lease.port} to the guest's port ${guestPort}`);
      return { forwardedPort: lease.port };
    },
    async cleanup() {
      for (const lease of leases.splice(0)) lease.release();
    },
  };
}

/** The id of the user-mode netdev in HMP `info network` output (` \ hostnet0: index=0,type=user,…`). */
export function userNetdev(infoNetwork: string): string | undefined {
  return /\\\s+([^:\s]+):\s+index=\d+,type=user\b/.exec(infoNetwork)?.[1];
}
