/**
 * What the libvirt builder needs from a host: a libvirtd that answers on the agent's libvirt URI
 * (KILN_LIBVIRT_URI, set by `kiln agent --libvirt-uri`; default qemu:///system) — `libvirt` — and
 * whether it offers KVM domains (`libvirt-kvm`, informative: TCG works without).
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { HostCapabilityProbe } from "../../host-probe/index.js";
import { LibvirtConnection } from "./binding/connection.js";
import { offersKvm } from "./step-open-connection.js";

export const DEFAULT_LIBVIRT_URI = "qemu:///system";

export function agentLibvirtUri(env: NodeJS.ProcessEnv): string {
  return env.KILN_LIBVIRT_URI || DEFAULT_LIBVIRT_URI;
}

export const probeLibvirtHost: HostCapabilityProbe = async (ctx) => {
  const uri = agentLibvirtUri(ctx.env);
  let conn: LibvirtConnection;
  try {
    conn = await withTimeout(LibvirtConnection.open(uri), ctx.serviceTimeoutMs, `libvirt at ${uri} did not answer within ${ctx.serviceTimeoutMs} ms`);
  } catch (e) {
    const why = errorMessage(e);
    return [
      { capability: "libvirt", ok: false, why },
      { capability: "libvirt-kvm", ok: false, why },
    ];
  }
  try {
    const kvm = await offersKvm(conn, "x86_64");
    return [
      { capability: "libvirt", ok: true, why: `libvirt ${conn.libVersion()} at ${uri}` },
      { capability: "libvirt-kvm", ok: kvm, why: kvm ? "kvm domains offered" : "the host's libvirt offers no kvm domains (qemu/TCG only)" },
    ];
  } finally {
    await conn.close();
  }
};

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
