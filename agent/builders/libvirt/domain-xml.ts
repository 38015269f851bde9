/**
 * The build domain's libvirt XML (https://libvirt.org/formatdomain.html), made from the config the
 * way the plugin's step_define_domain does, plus Kiln's ownership metadata: the agent process,
 * build and job, and every volume the build creates, so a restarted agent can find and remove what
 * a crashed build left (reap-domains.ts).
 */
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import type { Config, LibvirtVolume } from "../../../shared/components/builders/libvirt.js";

/** The XML namespace of Kiln's <metadata> element. */
export const KILN_METADATA_NS = "https://kiln.build/xmlns/libvirt-job/1";

export interface DomainOwner {
  host: string;
  pid: number;
  buildName: string;
}

export interface CreatedVolume {
  pool: string;
  name: string;
}

export interface DomainXmlInput {
  config: Config;
  domainType: string;
  owner: DomainOwner;
  /** Volumes the build creates (the reaper deletes exactly these after a crash). */
  created: readonly CreatedVolume[];
  /**
   * -warm: a domain to capture or restore carries a VM generation ID (<genid/>, a new one per
   * definition, so a guest kernel with the vmgenid driver rekeys its random generator when
   * restored); a restoring one starts waiting for the saved state (QEMU's `-incoming defer`).
   */
  warm?: "capture" | "restore";
}

const QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", format: true, suppressEmptyNode: true });

type Node = Record<string, unknown>;

export function domainXml({ config, domainType, owner, created, warm }: DomainXmlInput): string {
  const os: Node = {
    type: { "@_arch": config.arch, ...(config.chipset ? { "@_machine": config.chipset } : {}), "#text": "hvm" },
    boot: config.bootDevices.map((dev) => ({ "@_dev": dev })),
  };
  if (config.loaderPath) {
    os.loader = { ...(config.loaderType ? { "@_type": config.loaderType } : {}), ...(config.secureBoot ? { "@_secure": "yes" } : {}), "@_readonly": "yes", "#text": config.loaderPath };
  }
  if (config.nvramPath || config.nvramTemplate) {
    os.nvram = { ...(config.nvramTemplate ? { "@_template": config.nvramTemplate } : {}), ...(config.nvramPath ? { "#text": config.nvramPath } : {}) };
  }
  const devices: Node = {
    disk: config.volumes.map(diskNode),
    interface: config.networkInterfaces.map((ni) => ({
      "@_type": ni.type === "managed" ? "network" : ni.type,
      ...(ni.mac ? { mac: { "@_address": ni.mac } } : {}),
      ...(ni.type === "managed" ? { source: { "@_network": ni.network } } : ni.type === "bridge" ? { source: { "@_bridge": ni.bridge } } : {}),
      model: { "@_type": ni.model },
      ...(ni.alias ? { alias: { "@_name": ni.alias } } : {}),
    })),
    // The plugin's two consoles, so `virsh console` works while a build runs.
    serial: { "@_type": "pty", target: { "@_port": "0" }, alias: { "@_name": "ua-serial-console" } },
    console: { "@_type": "pty", target: { "@_type": "virtio", "@_port": "1" }, alias: { "@_name": "ua-virtual-console" } },
    graphics: config.graphics.map((g) =>
      g.type === "sdl"
        ? { "@_type": "sdl", ...(g.display ? { "@_display": g.display } : {}) }
        : { "@_type": "vnc", ...(g.port ? { "@_port": String(g.port), "@_autoport": "no" } : { "@_autoport": "yes" }), "@_listen": "127.0.0.1" },
    ),
    ...(config.graphics.length > 0 ? { video: { model: { "@_type": "virtio" } } } : {}),
  };
  const domain: Node = {
    "@_type": domainType,
    ...(warm === "restore" ? { "@_xmlns:qemu": QEMU_NS } : {}),
    name: config.domainName,
    ...(warm ? { genid: "" } : {}),
    metadata: {
      "kiln:job": {
        "@_xmlns:kiln": KILN_METADATA_NS,
        "@_host": owner.host,
        "@_pid": String(owner.pid),
        "@_build": owner.buildName,
        "kiln:volume": created.map((v) => ({ "@_pool": v.pool, "@_name": v.name })),
      },
    },
    memory: { "@_unit": "MiB", "#text": String(config.memoryMb) },
    vcpu: String(config.vcpu),
    ...(config.cpuMode ? { cpu: { "@_mode": config.cpuMode } } : {}),
    os,
    features: { acpi: "", apic: "" },
    on_poweroff: "destroy",
    on_reboot: "restart",
    on_crash: "destroy",
    devices,
    // QEMU runs as root and libvirt relabels no file: by default it chowns every disk *and its
    // backing file* to libvirt-qemu and never gives the backing file back (libvirt-lab.md), which
    // breaks a base image shared by builds or by the operator.
    seclabel: { "@_type": "static", "@_model": "dac", "@_relabel": "no", label: "+0:+0" },
    ...(warm === "restore" ? { "qemu:commandline": { "qemu:arg": [{ "@_value": "-incoming" }, { "@_value": "defer" }] } } : {}),
  };
  return builder.build({ domain }) as string;
}

function diskNode(v: LibvirtVolume): Node {
  const driverType = v.source?.type === "cloud-init" || v.source?.type === "files" ? "raw" : v.source?.type === "backing-store" || v.source?.type === "cloning" ? "qcow2" : v.format;
  const device = v.source?.type === "cloud-init" ? "cdrom" : v.device;
  return {
    "@_type": "volume",
    "@_device": device,
    ...(driverType ? { driver: { "@_name": "qemu", "@_type": driverType } } : { driver: { "@_name": "qemu" } }),
    source: { "@_pool": v.pool, "@_volume": v.name },
    target: { "@_dev": v.targetDev, "@_bus": v.bus },
    ...(v.readonly || v.source?.type === "cloud-init" ? { readonly: "" } : {}),
    ...(v.alias ? { alias: { "@_name": v.alias } } : {}),
  };
}

/** What a domain's <metadata> says about who made it, or undefined for domains Kiln did not make. */
export interface DomainOwnership {
  host: string;
  pid: number;
  buildName: string;
  volumes: CreatedVolume[];
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", isArray: (name) => name === "kiln:volume" });

export function domainOwnership(xml: string): DomainOwnership | undefined {
  const doc = parser.parse(xml) as { domain?: { metadata?: Record<string, unknown> } };
  const metadata = doc.domain?.metadata;
  if (!metadata || typeof metadata !== "object") return undefined;
  for (const [key, value] of Object.entries(metadata)) {
    const job = value as Record<string, unknown>;
    // libvirt rewrites the element with its own prefix choice; the namespace URI is what counts.
    const ns = Object.entries(job).find(([k]) => k.startsWith("@_xmlns"))?.[1];
    if (ns !== KILN_METADATA_NS || !key.endsWith(":job")) continue;
    const prefix = key.slice(0, -":job".length);
    const volumes = ((job[`${prefix}:volume`] as Record<string, string>[] | undefined) ?? []).map((v) => ({ pool: v["@_pool"] ?? "", name: v["@_name"] ?? "" }));
    return {
      host: String(job["@_host"] ?? ""),
      pid: Number(job["@_pid"]),
      buildName: String(job["@_build"] ?? ""),
      volumes,
    };
  }
  return undefined;
}

/** The parts of a volume's XML the builder reads. */
export interface VolumeFacts {
  path: string;
  format?: string;
  capacityBytes: bigint;
  allocationBytes: bigint;
  key?: string;
}

const volumeParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false });

export function volumeFacts(xml: string): VolumeFacts {
  const v = (volumeParser.parse(xml) as { volume: Record<string, unknown> }).volume;
  const target = (v.target ?? {}) as Record<string, unknown>;
  const size = (n: unknown): bigint => {
    const node = n as { "#text"?: string } | string | undefined;
    const text = typeof node === "object" ? node["#text"] : node;
    return text ? BigInt(text) : 0n;
  };
  return {
    path: String(target.path ?? ""),
    format: (target.format as Record<string, string> | undefined)?.["@_type"],
    capacityBytes: size(v.capacity),
    allocationBytes: size(v.allocation),
    key: v.key !== undefined ? String(v.key) : undefined,
  };
}

/** The <volume> XML for a new volume. */
export function volumeXml(v: { name: string; capacityBytes?: bigint; allocationBytes?: bigint; format?: string; backing?: { path: string; format?: string } }): string {
  const volume: Node = {
    name: v.name,
    ...(v.allocationBytes !== undefined ? { allocation: { "@_unit": "bytes", "#text": v.allocationBytes.toString() } } : {}),
    capacity: { "@_unit": "bytes", "#text": (v.capacityBytes ?? 0n).toString() },
    ...(v.format ? { target: { format: { "@_type": v.format }, ...(v.format === "qcow2" ? { compat: "1.1" } : {}) } } : {}),
    ...(v.backing ? { backingStore: { path: v.backing.path, ...(v.backing.format ? { format: { "@_type": v.backing.format } } : {}) } } : {}),
  };
  return builder.build({ volume }) as string;
}
