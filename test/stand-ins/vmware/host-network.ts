/**
 * VMware Workstation's host network configuration on Linux, read from where Workstation keeps it
 * (and where packer's driver reads it), under /etc/vmware:
 *   netmap.conf                    networkN.name / networkN.device: "NAT" -> vmnet8
 *   vmnetN/dhcpd/dhcpd.conf        the subnet, the DHCP range, and `host` entries: `host vmnetN`
 *                                  is the host's own address on that network (packer's HTTPIP);
 *                                  others pin a guest MAC to a fixed-address
 *   vmnetN/nat/nat.conf            `[incomingtcp]` / `[incomingudp]`: `HOSTPORT = GUESTIP:PORT`
 * and turned into a QEMU user-mode network for one NIC: same subnet, the guest gets its
 * fixed-address (or the first address of the range) from QEMU's DHCP, the host's vmnet address
 * reaches the host's loopback (so packer's HTTP server is found where packer says it is), and the
 * nat.conf forwards aimed at this guest are bound on 127.0.0.1 only.
 * Differences from VMware: QEMU's user network has one address for the gateway and the host, so
 * the gateway is the host's vmnet address rather than the NAT device (.2); forwards listen on
 * loopback, never on every interface; and no DHCP lease is written to dhcpd.leases, so a
 * template without ssh_host cannot find (and connect to) the guest's private address.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NOT_IMPLEMENTED, StandInError } from "./product.js";

export const VMWARE_ETC = "/etc/vmware";

export interface DhcpHost {
  name: string;
  mac?: string;
  address?: string;
}

export interface DhcpConfig {
  subnet: string;
  netmask: string;
  rangeStart: string;
  hosts: DhcpHost[];
}

export interface PortForward {
  protocol: "tcp" | "udp";
  hostPort: number;
  guestIp: string;
  guestPort: number;
}

/** What QEMU's user network needs to play one guest's part of a VMware NAT network. */
export interface NatPlan {
  device: string;
  subnet: string;
  prefixLength: number;
  hostIp: string;
  guestIp: string;
  forwards: PortForward[];
}

/** The vmnet devices a network name maps to (netmap.conf), e.g. "nat" -> ["vmnet8"]. */
export function devicesNamed(name: string, etc = VMWARE_ETC): string[] {
  const path = join(etc, "netmap.conf");
  if (!existsSync(path)) throw new StandInError(`${path} not found: VMware's network map is missing`);
  const byIndex = new Map<string, Record<string, string>>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^\s*network(\d+)\.(\w+)\s*=\s*"([^"]*)"/.exec(line);
    if (!m) continue;
    const entry = byIndex.get(m[1]!) ?? {};
    entry[m[2]!] = m[3]!;
    byIndex.set(m[1]!, entry);
  }
  return [...byIndex.values()].filter((e) => e.name?.toLowerCase() === name.toLowerCase() && e.device).map((e) => e.device!);
}

/** The dhcpd.conf of a vmnet device, at the first of the paths packer 1.6.6 also tries. */
export function dhcpConfPath(device: string, etc = VMWARE_ETC): string | undefined {
  return ["dhcp/dhcp.conf", "dhcp/dhcpd.conf", "dhcpd/dhcp.conf", "dhcpd/dhcpd.conf"].map((p) => join(etc, device, p)).find((p) => existsSync(p));
}

/** The parts of ISC dhcpd syntax VMware writes: one subnet block with a range, and host blocks. */
export function parseDhcpConf(text: string, path: string): DhcpConfig {
  const clean = text.replace(/#[^\n]*/g, "");
  const subnet = /subnet\s+([\d.]+)\s+netmask\s+([\d.]+)\s*\{([^}]*)\}/.exec(clean);
  if (!subnet) throw new StandInError(`${path}: no "subnet A netmask M { ... }" block`);
  const range = /range\s+([\d.]+)\s+([\d.]+)\s*;/.exec(subnet[3]!);
  if (!range) throw new StandInError(`${path}: the subnet has no "range FIRST LAST;"`);
  const hosts: DhcpHost[] = [];
  for (const m of clean.matchAll(/host\s+([^\s{]+)\s*\{([^}]*)\}/g)) {
    const mac = /hardware\s+ethernet\s+([0-9A-Fa-f:]+)\s*;/.exec(m[2]!)?.[1]?.toLowerCase();
    const address = /fixed-address\s+([\d.]+)\s*;/.exec(m[2]!)?.[1];
    hosts.push({ name: m[1]!, ...(mac ? { mac } : {}), ...(address ? { address } : {}) });
  }
  return { subnet: subnet[1]!, netmask: subnet[2]!, rangeStart: range[1]!, hosts };
}

/** The `[incomingtcp]` and `[incomingudp]` forwards of a nat.conf. */
export function parseNatForwards(text: string, path: string): PortForward[] {
  const forwards: PortForward[] = [];
  let section = "";
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/[#;].*$/, "").trim();
    if (!line) return;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) return void (section = header[1]!.toLowerCase());
    if (section !== "incomingtcp" && section !== "incomingudp") return;
    const m = /^(\d+)\s*=\s*([\d.]+):(\d+)$/.exec(line);
    if (!m) throw new StandInError(`${path}:${i + 1}: not "HOSTPORT = GUESTIP:GUESTPORT": ${raw}`);
    forwards.push({ protocol: section === "incomingtcp" ? "tcp" : "udp", hostPort: Number(m[1]), guestIp: m[2]!, guestPort: Number(m[3]) });
  });
  return forwards;
}

function prefixLength(netmask: string): number {
  const bits = netmask.split(".").map((o) => Number(o).toString(2).padStart(8, "0")).join("");
  if (!/^1*0*$/.test(bits)) throw new StandInError(`netmask ${netmask} is not contiguous`);
  return bits.indexOf("0") === -1 ? 32 : bits.indexOf("0");
}

/** The NAT network a NIC joins: `nat` (through netmap.conf) or a custom vmnet device. */
export function planNat(connection: { type: "nat" } | { type: "custom"; vnet: string }, mac: string, etc = VMWARE_ETC): NatPlan {
  let device: string;
  if (connection.type === "nat") {
    const devices = devicesNamed("nat", etc);
    if (devices.length !== 1) throw new StandInError(`${join(etc, "netmap.conf")}: expected one network named NAT, found ${devices.length}`);
    device = devices[0]!;
  } else {
    device = connection.vnet;
  }
  const natConf = join(etc, device, "nat", "nat.conf");
  if (!existsSync(natConf)) throw new StandInError(`${device} is not a NAT network (no ${natConf}); host-only and bridged networks are ${NOT_IMPLEMENTED}`);
  const dhcpPath = dhcpConfPath(device, etc);
  if (!dhcpPath) throw new StandInError(`${device} has no DHCP configuration under ${join(etc, device)}`);
  const dhcp = parseDhcpConf(readFileSync(dhcpPath, "utf8"), dhcpPath);
  const self = dhcp.hosts.find((h) => h.name.toLowerCase() === device.toLowerCase());
  if (!self?.address) throw new StandInError(`${dhcpPath}: no "host ${device} { fixed-address ...; }" entry for the host's own address`);
  const pinned = dhcp.hosts.find((h) => h !== self && h.mac === mac.toLowerCase() && h.address);
  const guestIp = pinned?.address ?? dhcp.rangeStart;
  const forwards = parseNatForwards(readFileSync(natConf, "utf8"), natConf).filter((f) => f.guestIp === guestIp);
  return { device, subnet: dhcp.subnet, prefixLength: prefixLength(dhcp.netmask), hostIp: self.address, guestIp, forwards };
}
