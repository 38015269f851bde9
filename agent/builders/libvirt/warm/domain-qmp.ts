/**
 * A QMP command to a libvirt domain's QEMU through libvirt's own monitor connection
 * (virDomainQemuMonitorCommand; libvirt marks the domain tainted, `custom-monitor`). -warm needs
 * the QEMU migration commands libvirt does not expose the way it must use them: a save to a stream
 * of ours while the domain goes on, and a load into a domain libvirt defined fresh.
 */
import type { Domain } from "../binding/connection.js";

export async function domainQmp(domain: Domain, execute: string, args?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = JSON.parse(await domain.monitor(JSON.stringify({ execute, ...(args ? { arguments: args } : {}) }), false)) as {
    return?: Record<string, unknown>;
    error?: { class?: string; desc?: string };
  };
  if (answer.error) throw new Error(`QEMU refused ${execute} on domain ${domain.name}: ${answer.error.desc ?? answer.error.class ?? "no reason"}`);
  return answer.return ?? {};
}
