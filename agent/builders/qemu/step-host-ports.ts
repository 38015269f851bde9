/**
 * Packer's stepPortForward and stepConfigureVNC: a free SSH forward port in
 * host_port_min..max and a VNC port in vnc_port_min..max, held until the build ends so concurrent
 * builds on one agent never share them.
 */
import type { Config } from "../../../shared/components/builders/qemu.js";
import type { Step } from "../../runner/steps.js";
import { leasePort, type PortLease } from "../common/host-ports.js";

export interface PortsReady {
  sshHostPort: number;
  vncPort: number;
}

export function stepHostPorts(config: Config): Step<object, PortsReady> {
  const leases: PortLease[] = [];
  return {
    name: "host ports",
    async run(ctx) {
      const ssh = await leasePort(config.sshHostPortMin, config.sshHostPortMax, "127.0.0.1", "host_port_min/host_port_max");
      leases.push(ssh);
      ctx.ui.say(`Found available port: ${ssh.port} on IP: 127.0.0.1`);
      const vnc = await leasePort(config.vncPortMin, config.vncPortMax, config.vncBindAddress, "vnc_port_min/vnc_port_max");
      leases.push(vnc);
      ctx.ui.say(`Found available VNC port: ${vnc.port} on IP: ${config.vncBindAddress}`);
      return { sshHostPort: ssh.port, vncPort: vnc.port };
    },
    async cleanup() {
      for (const lease of leases.splice(0)) lease.release();
    },
  };
}
