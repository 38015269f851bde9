/**
 * OVF 1.0 descriptors (DMTF DSP0243 1.0, the `--ovf10` format VirtualBox 7 exports by default):
 * writing one for a machine's settings and reading one back. The descriptor carries what OVF
 * itself can say — CPUs, memory, storage controllers, disks, CD-ROM drives, NICs and their
 * models, the OS type (vbox:OSType, as VirtualBox writes it) and the product section — but not
 * VirtualBox's full <vbox:Machine> settings, so EFI, boot order, VRDE and the like do not survive
 * an export/import round trip here (they do in real VirtualBox).
 */
import { XMLParser } from "fast-xml-parser";
import { VBoxManageError } from "./errors.js";
import type { Bus, ControllerType, DeviceType, NicType } from "./machine.js";

export interface OvfFile { id: string; href: string; size?: number }
export interface OvfDisk { diskId: string; fileRef: string; capacity: number; format: string }
export interface OvfController { instanceId: string; bus: Bus; type: ControllerType; address: number }
export interface OvfDrive { instanceId: string; type: DeviceType; parent: string; addressOnParent: number; diskId?: string }
export interface OvfNic { instanceId: string; type: NicType; connection: string }
export interface OvfProduct { product?: string; productUrl?: string; vendor?: string; vendorUrl?: string; version?: string }

export interface OvfAppliance {
  files: OvfFile[];
  disks: OvfDisk[];
  system: {
    id: string;
    osType: string;
    osCimId: number;
    cpus: number;
    memoryMB: number;
    description?: string;
    eula?: string;
    product: OvfProduct;
    controllers: OvfController[];
    drives: OvfDrive[];
    nics: OvfNic[];
  };
}

export const STREAM_OPTIMIZED = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized";

const RT = { cpu: 3, memory: 4, ide: 5, scsi: 6, nic: 10, floppy: 14, cdrom: 15, disk: 17, sata: 20 } as const;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function ovfControllerKind(c: OvfController): { rt: number; subtype: string; caption: string } {
  switch (c.bus) {
    case "ide": return { rt: RT.ide, subtype: c.type, caption: `ideController${c.address}` };
    case "sata": return { rt: RT.sata, subtype: "AHCI", caption: `sataController${c.address}` };
    case "scsi": return { rt: RT.scsi, subtype: c.type === "BusLogic" ? "buslogic" : "lsilogic", caption: `scsiController${c.address}` };
    case "sas": return { rt: RT.scsi, subtype: "LsiLogicSAS", caption: `sasController${c.address}` };
    case "virtio": return { rt: RT.scsi, subtype: "VirtioSCSI", caption: `virtioSCSIController${c.address}` };
    case "pcie": return { rt: RT.sata, subtype: "NVMe", caption: `nvmeController${c.address}` };
    default: throw new VBoxManageError(`a ${c.bus} controller cannot be described in OVF`);
  }
}

const nicSubtype: Record<NicType, string> = { Am79C970A: "PCNet32", Am79C973: "PCNet32", "82540EM": "E1000", "82543GC": "E1000", "82545EM": "E1000", virtio: "virtio" };

function item(fields: Record<string, string | number | undefined>): string {
  const lines = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b)) // the CIM schema orders rasd elements alphabetically
    .map(([k, v]) => `        <rasd:${k}>${esc(String(v))}</rasd:${k}>`);
  return `      <Item>\n${lines.join("\n")}\n      </Item>`;
}

export function writeOvf(a: OvfAppliance): string {
  const s = a.system;
  const hw: string[] = [
    item({ Caption: `${s.cpus} virtual CPU`, Description: "Number of virtual CPUs", ElementName: `${s.cpus} virtual CPU`, InstanceID: 1, ResourceType: RT.cpu, VirtualQuantity: s.cpus }),
    item({ AllocationUnits: "MegaBytes", Caption: `${s.memoryMB} MB of memory`, Description: "Memory Size", ElementName: `${s.memoryMB} MB of memory`, InstanceID: 2, ResourceType: RT.memory, VirtualQuantity: s.memoryMB }),
  ];
  for (const c of s.controllers) {
    const k = ovfControllerKind(c);
    hw.push(item({ Address: c.address, Caption: k.caption, Description: `${c.bus.toUpperCase()} Controller`, ElementName: k.caption, InstanceID: c.instanceId, ResourceSubType: k.subtype, ResourceType: k.rt }));
  }
  for (const n of s.nics) {
    hw.push(item({ AutomaticAllocation: "true", Caption: `Ethernet adapter on '${n.connection}'`, Connection: n.connection, ElementName: `Ethernet adapter on '${n.connection}'`, InstanceID: n.instanceId, ResourceSubType: nicSubtype[n.type], ResourceType: RT.nic }));
  }
  for (const d of s.drives) {
    if (d.type === "hdd") {
      hw.push(item({ AddressOnParent: d.addressOnParent, Caption: d.diskId, Description: "Disk Image", ElementName: d.diskId, HostResource: `/disk/${d.diskId}`, InstanceID: d.instanceId, Parent: d.parent, ResourceType: RT.disk }));
    } else if (d.type === "dvddrive") {
      hw.push(item({ AddressOnParent: d.addressOnParent, AutomaticAllocation: "true", Caption: "cdrom", Description: "CD-ROM Drive", ElementName: "cdrom", InstanceID: d.instanceId, Parent: d.parent, ResourceType: RT.cdrom }));
    } else {
      hw.push(item({ AutomaticAllocation: "false", Caption: "floppy", Description: "Floppy Drive", ElementName: "floppy", InstanceID: d.instanceId, ResourceType: RT.floppy }));
    }
  }
  const p = s.product;
  const productSection = Object.values(p).some((v) => v !== undefined)
    ? `    <ProductSection>
      <Info>Meta-information about the installed software</Info>
${[["Product", p.product], ["Vendor", p.vendor], ["Version", p.version], ["ProductUrl", p.productUrl], ["VendorUrl", p.vendorUrl]].filter(([, v]) => v !== undefined).map(([k, v]) => `      <${k}>${esc(v!)}</${k}>`).join("\n")}
    </ProductSection>
` : "";
  const annotation = s.description ? `    <AnnotationSection>\n      <Info>A human-readable annotation</Info>\n      <Annotation>${esc(s.description)}</Annotation>\n    </AnnotationSection>\n` : "";
  const eula = s.eula ? `    <EulaSection>\n      <Info>License agreement for the virtual system</Info>\n      <License>${esc(s.eula)}</License>\n    </EulaSection>\n` : "";
  const networks = [...new Set(s.nics.map((n) => n.connection))];
  return `<?xml version="1.0"?>
<Envelope ovf:version="1.0" xml:lang="en-US" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vbox="http://www.virtualbox.org/ovf/machine">
  <References>
${a.files.map((f) => `    <File ovf:id="${esc(f.id)}" ovf:href="${esc(f.href)}"${f.size !== undefined ? ` ovf:size="${f.size}"` : ""}/>`).join("\n")}
  </References>
  <DiskSection>
    <Info>List of the virtual disks used in the package</Info>
${a.disks.map((d) => `    <Disk ovf:capacity="${d.capacity}" ovf:diskId="${esc(d.diskId)}" ovf:fileRef="${esc(d.fileRef)}" ovf:format="${esc(d.format)}"/>`).join("\n")}
  </DiskSection>
  <NetworkSection>
    <Info>Logical networks used in the package</Info>
${networks.map((n) => `    <Network ovf:name="${esc(n)}">\n      <Description>Logical network used by this appliance.</Description>\n    </Network>`).join("\n")}
  </NetworkSection>
  <VirtualSystem ovf:id="${esc(s.id)}">
    <Info>A virtual machine</Info>
${productSection}${annotation}${eula}    <OperatingSystemSection ovf:id="${s.osCimId}">
      <Info>The kind of installed guest operating system</Info>
      <Description>${esc(s.osType)}</Description>
      <vbox:OSType ovf:required="false">${esc(s.osType)}</vbox:OSType>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements for a virtual machine</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>${esc(s.id)}</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>virtualbox-2.2</vssd:VirtualSystemType>
      </System>
${hw.join("\n")}
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`;
}

type Node = Record<string, unknown>;

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "object") return text((v as Node)["#text"]);
  return String(v);
}

function list(v: unknown): Node[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]) as Node[];
}

/** Reads an OVF 1.x descriptor with one virtual system; refuses what it cannot map. */
export function readOvf(xml: string, source: string): OvfAppliance {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", removeNSPrefix: true, parseTagValue: false, parseAttributeValue: false });
  const doc = parser.parse(xml) as Node;
  const env = doc.Envelope as Node | undefined;
  if (!env) throw new VBoxManageError(`${source} is not an OVF descriptor (no Envelope)`);
  const files = list((env.References as Node | undefined)?.File).map((f) => ({ id: String(f["@id"]), href: String(f["@href"]), size: f["@size"] ? Number(f["@size"]) : undefined }));
  const disks = list((env.DiskSection as Node | undefined)?.Disk).map((d) => ({
    diskId: String(d["@diskId"]), fileRef: String(d["@fileRef"]), format: String(d["@format"] ?? ""),
    capacity: Number(d["@capacity"]) * capacityUnit(d["@capacityAllocationUnits"]),
  }));
  const systems = list(env.VirtualSystem);
  if (systems.length !== 1) throw new VBoxManageError(`${source}: the stand-in imports appliances with exactly one virtual system (found ${systems.length})`);
  const vs = systems[0]!;
  const os = vs.OperatingSystemSection as Node | undefined;
  const hwSection = list(vs.VirtualHardwareSection)[0] ?? {};
  const product = (vs.ProductSection as Node | undefined) ?? {};
  const system: OvfAppliance["system"] = {
    id: String(vs["@id"]),
    osType: text(os?.OSType) ?? "Other",
    osCimId: Number(os?.["@id"] ?? 1),
    cpus: 1,
    memoryMB: 512,
    description: text((vs.AnnotationSection as Node | undefined)?.Annotation),
    eula: text((vs.EulaSection as Node | undefined)?.License),
    product: { product: text(product.Product), vendor: text(product.Vendor), version: text(product.Version), productUrl: text(product.ProductUrl), vendorUrl: text(product.VendorUrl) },
    controllers: [],
    drives: [],
    nics: [],
  };
  for (const it of list(hwSection.Item)) {
    const rt = Number(text(it.ResourceType));
    const id = text(it.InstanceID) ?? "";
    const sub = (text(it.ResourceSubType) ?? "").toLowerCase();
    const parent = text(it.Parent) ?? "";
    const addrOnParent = Number(text(it.AddressOnParent) ?? 0);
    switch (rt) {
      case RT.cpu: system.cpus = Number(text(it.VirtualQuantity)); break;
      case RT.memory: system.memoryMB = Math.round(Number(text(it.VirtualQuantity)) * memoryUnit(text(it.AllocationUnits))); break;
      case RT.ide: system.controllers.push({ instanceId: id, bus: "ide", type: sub === "piix3" ? "PIIX3" : sub === "ich6" ? "ICH6" : "PIIX4", address: Number(text(it.Address) ?? 0) }); break;
      case RT.sata: system.controllers.push({ instanceId: id, bus: sub === "nvme" ? "pcie" : "sata", type: sub === "nvme" ? "NVMe" : "IntelAhci", address: Number(text(it.Address) ?? 0) }); break;
      case RT.scsi: {
        const [bus, type]: [Bus, ControllerType] = sub === "buslogic" ? ["scsi", "BusLogic"] : sub === "lsilogicsas" ? ["sas", "LsiLogicSas"] : sub === "virtioscsi" ? ["virtio", "VirtioSCSI"] : ["scsi", "LsiLogic"];
        system.controllers.push({ instanceId: id, bus, type, address: Number(text(it.Address) ?? 0) });
        break;
      }
      case RT.nic: system.nics.push({ instanceId: id, type: sub === "virtio" ? "virtio" : sub.startsWith("pcnet") ? "Am79C973" : "82540EM", connection: text(it.Connection) ?? "NAT" }); break;
      case RT.disk: {
        const host = text(it.HostResource) ?? "";
        const m = /^(?:ovf:)?\/disk\/(.+)$/.exec(host);
        if (!m) throw new VBoxManageError(`${source}: disk item ${id} has HostResource '${host}' (expected /disk/ID)`);
        system.drives.push({ instanceId: id, type: "hdd", parent, addressOnParent: addrOnParent, diskId: m[1] });
        break;
      }
      case RT.cdrom: system.drives.push({ instanceId: id, type: "dvddrive", parent, addressOnParent: addrOnParent }); break;
      case RT.floppy: system.drives.push({ instanceId: id, type: "fdd", parent, addressOnParent: 0 }); break;
      default: break; // sound cards, USB controllers and the like: VirtualBox offers them as optional too
    }
  }
  return { files, disks, system };
}

function capacityUnit(u: unknown): number {
  if (u === undefined) return 1;
  const m = /^byte\s*\*\s*2\^(\d+)$/.exec(String(u).trim());
  if (!m) throw new VBoxManageError(`unsupported ovf:capacityAllocationUnits '${String(u)}'`);
  return 2 ** Number(m[1]);
}

/** Memory AllocationUnits in MB. */
function memoryUnit(u: string | undefined): number {
  if (!u || /^mega ?bytes$/i.test(u) || /^byte\s*\*\s*2\^20$/.test(u)) return 1;
  if (/^giga ?bytes$/i.test(u) || /^byte\s*\*\s*2\^30$/.test(u)) return 1024;
  if (/^kilo ?bytes$/i.test(u) || /^byte\s*\*\s*2\^10$/.test(u)) return 1 / 1024;
  throw new VBoxManageError(`unsupported memory AllocationUnits '${u}'`);
}
