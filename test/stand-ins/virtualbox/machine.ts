/**
 * A virtual machine's settings, as the stand-in keeps them. Real VirtualBox writes a `.vbox` XML
 * file; the stand-in writes its own JSON (`<name>.vbox.stand-in.json` in the machine's folder)
 * with the settings VBoxManage can change. Settings QEMU cannot honour (audio, VRDE, clipboard,
 * ...) are recorded and shown by showvminfo but change nothing in the running guest.
 */
import { randomBytes } from "node:crypto";

export const SETTINGS_FORMAT = "kiln-vboxmanage-stand-in/1";

export type BootDevice = "none" | "floppy" | "dvd" | "disk" | "net";
export type Bus = "ide" | "sata" | "scsi" | "sas" | "floppy" | "pcie" | "virtio" | "usb";
/** storagecontrollertype values, as showvminfo prints them. */
export type ControllerType = "PIIX3" | "PIIX4" | "ICH6" | "IntelAhci" | "LsiLogic" | "BusLogic" | "LsiLogicSas" | "I82078" | "NVMe" | "VirtioSCSI" | "USB";
export type DeviceType = "hdd" | "dvddrive" | "fdd";
export type NicMode = "none" | "null" | "nat";
export type NicType = "Am79C970A" | "Am79C973" | "82540EM" | "82543GC" | "82545EM" | "virtio";

export interface Attachment {
  port: number;
  device: number;
  type: DeviceType;
  /** Absolute path of the medium; undefined = empty drive (dvd/fdd only). */
  medium?: string;
  nonrotational: boolean;
  discard: boolean;
  hotpluggable: boolean;
}

export interface StorageController {
  name: string;
  bus: Bus;
  type: ControllerType;
  portCount: number;
  bootable: boolean;
  hostIOCache: boolean;
  attachments: Attachment[];
}

export interface NatRule {
  name: string;
  protocol: "tcp" | "udp";
  hostIp: string;
  hostPort: number;
  guestIp: string;
  guestPort: number;
}

export interface Nic {
  mode: NicMode;
  type: NicType;
  /** 12 hex digits, no separators, as VirtualBox prints it. */
  mac: string;
  cableConnected: boolean;
  rules: NatRule[];
}

export interface SharedFolder {
  name: string;
  hostPath: string;
  readonly: boolean;
  automount: boolean;
  autoMountPoint: string;
}

export interface Machine {
  format: typeof SETTINGS_FORMAT;
  uuid: string;
  name: string;
  osType: string;
  description: string;
  groups: string[];
  memoryMB: number;
  cpus: number;
  vramMB: number;
  firmware: "BIOS" | "EFI";
  chipset: "piix3" | "ich9";
  boot: [BootDevice, BootDevice, BootDevice, BootDevice];
  acpi: boolean;
  ioapic: boolean;
  pae: boolean;
  longMode: boolean;
  hpet: boolean;
  rtcUseUtc: boolean;
  nestedHwVirt: boolean;
  graphicsController: "none" | "vboxvga" | "vmsvga" | "vboxsvga";
  /** Recorded only (no audio device is emulated). */
  audio: { driver: string; enabled: boolean; in: boolean; out: boolean; controller: string };
  usb: { ohci: boolean; ehci: boolean; xhci: boolean };
  /** Recorded only: the stand-in serves no RDP. */
  vrde: { enabled: boolean; address: string; ports: string; authType: string };
  nics: Nic[];
  controllers: StorageController[];
  sharedFolders: SharedFolder[];
  extraData: Record<string, string>;
  /** Flags recorded with their values but without effect on QEMU (clipboard, paravirt provider, ...). */
  recorded: Record<string, string>;
}

export function newUuid(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A MAC in VirtualBox's own OUI (08:00:27), as VirtualBox makes them. */
export function newMac(): string {
  return `080027${randomBytes(3).toString("hex").toUpperCase()}`;
}

export function newNic(mode: NicMode): Nic {
  return { mode, type: "82540EM", mac: newMac(), cableConnected: true, rules: [] };
}

/** What `createvm` makes: VirtualBox's defaults for a new machine (NIC 1 on NAT, no storage). */
export function newMachine(name: string, osType: string, uuid = newUuid()): Machine {
  return {
    format: SETTINGS_FORMAT,
    uuid,
    name,
    osType,
    description: "",
    groups: ["/"],
    memoryMB: 128,
    cpus: 1,
    vramMB: 8,
    firmware: "BIOS",
    chipset: "piix3",
    boot: ["floppy", "dvd", "disk", "none"],
    acpi: true,
    ioapic: true,
    pae: true,
    longMode: osType.endsWith("_64"),
    hpet: false,
    rtcUseUtc: false,
    nestedHwVirt: false,
    graphicsController: "vboxvga",
    audio: { driver: "default", enabled: false, in: false, out: false, controller: "ac97" },
    usb: { ohci: false, ehci: false, xhci: false },
    vrde: { enabled: false, address: "", ports: "3389", authType: "null" },
    nics: [newNic("nat"), ...Array.from({ length: 7 }, () => newNic("none"))],
    controllers: [],
    sharedFolders: [],
    extraData: {},
    recorded: {},
  };
}

export function findController(m: Machine, name: string): StorageController | undefined {
  return m.controllers.find((c) => c.name === name);
}

/** Devices per port: IDE and floppy have master/slave, every other bus one device per port. */
export function devicesPerPort(bus: Bus): number {
  return bus === "ide" || bus === "floppy" ? 2 : 1;
}

export function maxPortCount(bus: Bus): number {
  switch (bus) {
    case "ide": return 2;
    case "floppy": return 1;
    case "sata": return 30;
    case "scsi": return 16;
    case "sas": return 255;
    case "usb": return 8;
    case "pcie": return 255;
    case "virtio": return 255;
  }
}
