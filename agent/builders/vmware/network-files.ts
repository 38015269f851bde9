/**
 * The host files VMware Workstation/Player keeps its virtual networks in, read as Packer's
 * driver reads them (builder/vmware/common/driver.go, driver_parser.go):
 * - netmap.conf maps network names (NAT, HostOnly, Bridged) to vmnet devices;
 * - <device>/dhcpd/dhcpd.conf has a `host <device> { fixed-address … }` entry: the host's own
 *   address on that network, which the guest reaches it at (the boot command's HTTPIP);
 * - <device>/dhcpd/dhcpd.leases says which address the guest's MAC was given (its SSH host).
 * Only what Packer uses is parsed; comments (`#…`) are ignored.
 */
import { stat } from "node:fs/promises";
import path from "node:path";

export interface NetworkMapEntry {
  name: string;
  device: string;
}

/** `networkN.name = "…"` / `networkN.device = "…"` lines, grouped by N. */
export function parseNetmap(text: string): NetworkMapEntry[] {
  const byIndex = new Map<string, Partial<NetworkMapEntry>>();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const m = /^network(\d+)\.(name|device)\s*=\s*"?(.*?)"?$/.exec(line);
    if (!m) continue;
    const entry = byIndex.get(m[1]!) ?? {};
    entry[m[2] as "name" | "device"] = m[3]!;
    byIndex.set(m[1]!, entry);
  }
  return [...byIndex.values()].map((e) => ({ name: e.name ?? "", device: e.device ?? "" }));
}

/** NameIntoDevices: the devices of a network name, compared case-insensitively; [] when none. */
export function devicesOfNetwork(map: readonly NetworkMapEntry[], network: string): string[] {
  return map.filter((e) => e.name.toLowerCase() === network.toLowerCase()).map((e) => e.device);
}

const withoutComments = (text: string): string => text.split("\n").map((l) => l.replace(/#.*$/, "")).join("\n");

/** The fixed-address of `host <device> { … }` in a dhcpd.conf (Packer's HostByName + IP4). */
export function hostAddressOf(dhcpdConf: string, device: string): string {
  const hosts = [...withoutComments(dhcpdConf).matchAll(/\bhost\s+("?)([^\s{"]+)\1\s*\{([^}]*)\}/g)].filter((m) => m[2]!.toLowerCase() === device.toLowerCase());
  if (hosts.length === 0) throw new Error(`No host declarations containing ${device} found`);
  if (hosts.length > 1) throw new Error(`More than 1 host declaration found for ${device}`);
  const addresses = [...hosts[0]![3]!.matchAll(/\bfixed-address\s+([^;]+);/g)].flatMap((m) => m[1]!.split(",").map((a) => a.trim()));
  if (addresses.length === 0) throw new Error("No IP4 addresses found");
  if (addresses.length > 1) throw new Error(`More than one address4 returned : [${addresses.join(" ")}]`);
  return addresses[0]!;
}

export interface DhcpLease {
  address: string;
  /** Lower-case, colon-separated. */
  mac: string;
  starts?: Date;
  ends?: Date;
}

/** `lease IP { starts D YYYY/MM/DD HH:MM:SS; ends …; hardware ethernet MAC; }` entries, in file order (times are UTC). */
export function parseLeases(text: string): DhcpLease[] {
  const leases: DhcpLease[] = [];
  for (const m of withoutComments(text).matchAll(/\blease\s+(\S+)\s*\{([^}]*)\}/g)) {
    const body = m[2]!;
    const mac = /\bhardware\s+ethernet\s+([0-9a-fA-F:]+)\s*;/.exec(body)?.[1];
    if (!mac) continue;
    leases.push({ address: m[1]!, mac: normalizeMac(mac), starts: leaseTime(body, "starts"), ends: leaseTime(body, "ends") });
  }
  return leases;
}

function leaseTime(body: string, which: "starts" | "ends"): Date | undefined {
  const m = new RegExp(`\\b${which}\\s+\\d\\s+(\\d{4})/(\\d{2})/(\\d{2})\\s+(\\d{2}):(\\d{2}):(\\d{2})\\s*;`).exec(body);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

export function normalizeMac(mac: string): string {
  return mac.split(/[:-]/).map((b) => b.padStart(2, "0").toLowerCase()).join(":");
}

/** The addresses leased to `mac`: leases valid now first (Packer's exact match), else any for that MAC. */
export function leasedAddresses(leases: readonly DhcpLease[], mac: string, now = new Date()): string[] {
  const wanted = normalizeMac(mac);
  const ours = leases.filter((l) => l.mac === wanted);
  const current = ours.filter((l) => l.starts && l.ends && now > l.starts && now < l.ends);
  return (current.length > 0 ? current : ours).map((l) => l.address);
}

/** The first of Packer's spellings that exists under `<etc>/<device>/` (they changed across Workstation versions). */
export async function firstExisting(etcDir: string, device: string, candidates: readonly string[]): Promise<string | undefined> {
  for (const c of candidates) {
    const file = path.join(etcDir, device, c);
    if (await stat(file).then(() => true, () => false)) return file;
  }
  return undefined;
}

export const DHCP_LEASES_FILES = ["dhcpd/dhcpd.leases", "dhcpd/dhcp.leases", "dhcp/dhcpd.leases", "dhcp/dhcp.leases"] as const;
export const DHCP_CONF_FILES = ["dhcp/dhcp.conf", "dhcp/dhcpd.conf", "dhcpd/dhcp.conf", "dhcpd/dhcpd.conf"] as const;
