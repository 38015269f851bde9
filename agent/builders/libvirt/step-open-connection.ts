/**
 * Opens the libvirt connection the whole build uses (it is also what keeps an autodestroy domain
 * alive: if this process dies, libvirtd destroys the domain) and settles the domain type: the
 * configured one, else `kvm` when the host's libvirt offers it, else `qemu` (TCG), as the qemu
 * builder picks its accelerator.
 */
import { isLocalUri, type Config } from "../../../shared/components/builders/libvirt.js";
import { probeKvm } from "../qemu/kvm-probe.js";
import type { Step } from "../../runner/steps.js";
import { LibvirtConnection } from "./binding/connection.js";

export interface LibvirtConnected {
  conn: LibvirtConnection;
  domainType: string;
}

export function stepOpenConnection(config: Config): Step<object, LibvirtConnected> {
  return {
    name: "connect to libvirt",
    async run(ctx) {
      for (const w of config.warnings) ctx.ui.say(`Warning: ${w}`);
      const conn = await LibvirtConnection.open(config.libvirtUri);
      ctx.ui.say(`Connected to libvirt ${conn.libVersion()} at ${config.libvirtUri}`);
      let domainType = config.domainType;
      if (!domainType) {
        domainType = (await offersKvm(conn, config.arch)) ? "kvm" : "qemu";
        ctx.ui.say(`Domain type: ${domainType}${domainType === "qemu" ? " (the host's libvirt offers no KVM: guests run under TCG, slowly)" : ""}`);
      }
      return { conn, domainType };
    },
    async cleanup(_ctx, state) {
      await state.conn?.close();
    },
  };
}

/**
 * True when libvirt can run `kvm` domains there (virConnectGetDomainCapabilities answers for kvm)
 * and, for a libvirt on this host, the qemu builder's probe agrees that KVM really works: libvirt
 * offers kvm on /dev/kvm from kvm_pvm (software nested virtualisation), where guests crash.
 */
export async function offersKvm(conn: LibvirtConnection, arch: string): Promise<boolean> {
  try {
    await conn.domainCapabilities("kvm", arch);
  } catch {
    return false;
  }
  return isLocalUri(conn.uri) ? (await probeKvm()).ok : true;
}
