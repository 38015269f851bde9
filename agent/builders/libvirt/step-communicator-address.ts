/**
 * Where the communicator connects, as the plugin decides it: the communicator's own `ssh_host`
 * when set; Kiln's forwarded loopback port for a `user` interface; otherwise the address libvirt
 * finds for the communicator interface (`network_address_source`: the guest agent, the DHCP lease
 * of a managed network, or the host's ARP table), polled until the guest has one.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../../../shared/components/builders/libvirt.js";
import type { Step } from "../../runner/steps.js";
import type { Domain } from "./binding/connection.js";
import type { DomainDefined } from "./step-define-domain.js";
import type { PortForwarded } from "./step-forward-port.js";

export interface CommunicatorAddress {
  commHost: string;
  commPort: number;
}

const ADDRESS_SOURCE = { lease: 0, agent: 1, arp: 2 } as const;

export function stepCommunicatorAddress(config: Config, configured: { host: string; port: number }): Step<DomainDefined & PortForwarded, CommunicatorAddress> {
  return {
    name: "find communicator address",
    async run(ctx, state) {
      if (configured.host) return { commHost: configured.host, commPort: configured.port };
      if (state.forwardedPort !== undefined) return { commHost: "127.0.0.1", commPort: state.forwardedPort };
      if (config.communicator.type === "none") return { commHost: "", commPort: 0 };
      const nic = config.networkInterfaces.find((ni) => ni.alias === config.communicatorInterface);
      if (!nic) throw new Error("the domain has no network interface to reach the guest through: add a network_interface block or set the communicator's host");
      ctx.ui.say(`Waiting for the guest's address on ${nic.alias} (network_address_source = ${config.networkAddressSource})...`);
      const mac = await interfaceMac(state.domain, nic.alias!);
      for (;;) {
        ctx.signal.throwIfAborted();
        const found = await state.domain.interfaceAddresses(ADDRESS_SOURCE[config.networkAddressSource]).catch(() => []);
        const ipv4 = found.find((a) => a.type === "ipv4" && a.mac.toLowerCase() === mac);
        if (ipv4) {
          ctx.ui.say(`Found the guest's address: ${ipv4.address}`);
          return { commHost: ipv4.address, commPort: configured.port };
        }
        await sleep(1000, undefined, { signal: ctx.signal });
      }
    },
  };
}

/** The MAC address libvirt gave the interface with `alias` (read from the live definition). */
async function interfaceMac(domain: Domain, alias: string): Promise<string> {
  const xml = await domain.xml();
  for (const m of xml.matchAll(/<interface\b[\s\S]*?<\/interface>/g)) {
    if (!m[0].includes(`<alias name='${alias}'/>`)) continue;
    const mac = /<mac address='([^']+)'/.exec(m[0])?.[1];
    if (mac) return mac.toLowerCase();
  }
  throw new Error(`domain ${domain.name} has no interface with alias ${alias}`);
}
