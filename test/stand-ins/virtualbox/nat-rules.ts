/**
 * NAT port-forwarding rules: `--natpfN "name,tcp|udp,[hostip],hostport,[guestip],guestport"` and
 * `--natpfN delete name`. The stand-in forwards on loopback only (127.0.0.0/8): an empty host
 * address (VirtualBox: all interfaces) or any other one is refused, so nothing a test starts is
 * reachable from outside the machine.
 */
import { VBoxManageError } from "./errors.js";
import type { NatRule, Nic } from "./machine.js";

export function parseNatRule(spec: string): NatRule {
  const parts = spec.split(",");
  if (parts.length !== 6) throw new VBoxManageError(`Invalid NAT rule '${spec}' (expected name,tcp|udp,hostip,hostport,guestip,guestport)`);
  const [name, proto, hostIp, hostPort, guestIp, guestPort] = parts as [string, string, string, string, string, string];
  if (proto !== "tcp" && proto !== "udp") throw new VBoxManageError(`Invalid NAT rule protocol '${proto}' (tcp or udp)`);
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostIp)) {
    throw new VBoxManageError(`NAT rule '${spec}': host address '${hostIp || "(empty: all interfaces)"}' is not a loopback address; Kiln's VBoxManage stand-in forwards ports on 127.0.0.0/8 only`);
  }
  const port = (s: string, what: string) => {
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < 1 || n > 65535) throw new VBoxManageError(`NAT rule '${spec}': invalid ${what} '${s}'`);
    return n;
  };
  if (guestIp && !/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(guestIp)) throw new VBoxManageError(`NAT rule '${spec}': invalid guest address '${guestIp}'`);
  const hp = port(hostPort, "host port");
  const gp = port(guestPort, "guest port");
  return { name: name || `${proto}_${hp}_${gp}`, protocol: proto, hostIp, hostPort: hp, guestIp, guestPort: gp };
}

/** Adds a rule with VirtualBox's checks (unique name; one rule per host address and port). */
export function addNatRule(nic: Nic, rule: NatRule): void {
  if (nic.rules.some((r) => r.name === rule.name)) throw new VBoxManageError("A NAT rule of this name already exists", "code NS_ERROR_INVALID_ARG (0x80070057), component NATEngineWrap, interface INATEngine");
  if (nic.rules.some((r) => r.protocol === rule.protocol && r.hostIp === rule.hostIp && r.hostPort === rule.hostPort)) {
    throw new VBoxManageError("A NAT rule for this host port and this host IP already exists", "code NS_ERROR_INVALID_ARG (0x80070057), component NATEngineWrap, interface INATEngine");
  }
  nic.rules.push(rule);
}

export function deleteNatRule(nic: Nic, name: string): NatRule {
  const i = nic.rules.findIndex((r) => r.name === name);
  if (i < 0) throw new VBoxManageError(`A NAT rule named '${name}' does not exist`, "code NS_ERROR_INVALID_ARG (0x80070057), component NATEngineWrap, interface INATEngine");
  return nic.rules.splice(i, 1)[0]!;
}

/** `Forwarding(i)="name,tcp,127.0.0.1,2222,,22"` as showvminfo prints it. */
export function formatNatRule(r: NatRule): string {
  return `${r.name},${r.protocol},${r.hostIp},${r.hostPort},${r.guestIp},${r.guestPort}`;
}
