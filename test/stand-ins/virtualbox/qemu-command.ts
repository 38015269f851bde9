/**
 * A machine's settings as a QEMU command line (qemu-system-x86_64): VirtualBox's devices mapped
 * to QEMU's closest equivalents. Chipset PIIX3 -> `pc` (i440fx, with its PIIX3 IDE), ICH9 -> `q35`;
 * IDE port/device -> IDE bus/unit; SATA (IntelAhci) -> ich9-ahci; SCSI LsiLogic -> lsi53c895a;
 * SAS -> mptsas1068; NVMe -> one nvme device per port; VirtIO SCSI -> virtio-scsi-pci; floppy ->
 * the ISA floppy controller. NAT NIC n -> QEMU user networking on 10.0.(n+1).0/24 with
 * VirtualBox's addresses (guest .15, host .2, DNS .3); port forwards only on loopback. Boot order
 * (--boot1..4) -> bootindex on the devices of each class. Anything QEMU cannot match is refused.
 */
import { existsSync } from "node:fs";
import { notImplemented, VBoxManageError } from "./errors.js";
import type { Attachment, BootDevice, Machine, Nic, NicType, StorageController } from "./machine.js";
import type { RuntimeFiles } from "./runtime-files.js";

export interface QemuCommand {
  file: string;
  args: string[];
  /** QEMU netdev ids of NICs whose cable is unplugged (set_link off right after start). */
  unpluggedNetdevs: string[];
}

const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd";
export const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS.fd";

const nicDevice: Record<NicType, string> = {
  Am79C970A: "pcnet",
  Am79C973: "pcnet",
  "82540EM": "e1000",
  // QEMU has no 82543GC; the 82544GC is the nearest model the same e1000 driver runs.
  "82543GC": "e1000-82544gc",
  "82545EM": "e1000-82545em",
  virtio: "virtio-net-pci",
};

/** QEMU option values double a comma to mean a literal one. */
export function optValue(s: string): string {
  return s.replaceAll(",", ",,");
}

export function netdevId(index: number): string {
  return `nic${index + 1}`;
}

/** `hostfwd=` value of a NAT rule (the host address is checked to be loopback when the rule is made). */
export function hostfwd(r: { protocol: string; hostIp: string; hostPort: number; guestIp: string; guestPort: number }): string {
  return `${r.protocol}:${r.hostIp}:${r.hostPort}-${r.guestIp}:${r.guestPort}`;
}

export function buildQemuCommand(m: Machine, files: RuntimeFiles, accel: "kvm" | "tcg"): QemuCommand {
  const args: string[] = [
    "-name", `${optValue(m.name)},debug-threads=off`,
    "-uuid", m.uuid,
    "-machine", `${m.chipset === "ich9" ? "q35" : "pc"},accel=${accel}${m.acpi ? "" : ",acpi=off"}${m.hpet ? "" : ",hpet=off"}`,
    "-m", String(m.memoryMB),
    "-smp", String(m.cpus),
    "-nodefaults",
    "-display", "none",
    "-vga", m.graphicsController === "none" ? "none" : m.graphicsController === "vmsvga" ? "vmware" : "std",
    "-rtc", `base=${m.rtcUseUtc ? "utc" : "localtime"}`,
    "-chardev", `socket,id=qmp,path=${optValue(files.qmpSocket)},server=on,wait=off`,
    "-mon", "chardev=qmp,mode=control",
    "-pidfile", files.qemuPidFile,
    "-chardev", `file,id=serial0,path=${optValue(files.serialLog)}`,
    "-serial", "chardev:serial0",
  ];
  if (m.firmware === "EFI") {
    if (!existsSync(OVMF_CODE)) throw new VBoxManageError(`--firmware efi needs OVMF (${OVMF_CODE} is missing: apt-get install ovmf)`);
    args.push("-drive", `if=pflash,format=raw,readonly=on,file=${optValue(OVMF_CODE)}`, "-drive", `if=pflash,format=raw,file=${optValue(files.nvram)}`);
  }
  if (m.usb.ohci) args.push("-device", "pci-ohci,id=ohci");
  if (m.usb.ehci) args.push("-device", "usb-ehci,id=ehci");
  if (m.usb.xhci) args.push("-device", "qemu-xhci,id=xhci");

  const boot = bootIndexer(m.boot);
  m.controllers.forEach((c, ci) => args.push(...controllerArgs(m, c, ci, boot)));
  const unpluggedNetdevs: string[] = [];
  m.nics.forEach((nic, i) => {
    args.push(...nicArgs(nic, i, boot));
    if (nic.mode === "nat" && !nic.cableConnected) unpluggedNetdevs.push(netdevId(i));
  });
  return { file: "qemu-system-x86_64", args, unpluggedNetdevs };
}

type BootIndexer = (cls: BootDevice) => string;

/** Hands out bootindex values: every device of the class in --boot1 first, then --boot2's, ... */
function bootIndexer(order: readonly BootDevice[]): BootIndexer {
  const next = new Map<BootDevice, number>();
  order.forEach((cls, i) => { if (cls !== "none" && !next.has(cls)) next.set(cls, (i + 1) * 100); });
  return (cls) => {
    const n = next.get(cls);
    if (n === undefined) return "";
    next.set(cls, n + 1);
    return `,bootindex=${n}`;
  };
}

function bootClass(a: Attachment): BootDevice {
  return a.type === "hdd" ? "disk" : a.type === "dvddrive" ? "dvd" : "floppy";
}

function driveArgs(id: string, a: Attachment, c: StorageController): string[] {
  const media = a.type === "dvddrive" ? ",media=cdrom,readonly=on" : "";
  const file = a.medium ? `,file=${optValue(a.medium)}` : "";
  const format = a.medium ? `,format=${a.type === "hdd" ? qemuFormatOfPath(a.medium) : "raw"}` : "";
  const cache = c.hostIOCache ? ",cache=writeback" : ",cache=none";
  const discard = a.discard ? ",discard=unmap" : "";
  return ["-drive", `if=none,id=${id}${file}${format}${media}${a.medium ? cache : ""}${discard}`];
}

/** Formats are told explicitly so QEMU never probes (a raw image could claim to be anything). */
function qemuFormatOfPath(path: string): string {
  const ext = path.toLowerCase().split(".").pop();
  if (ext === "vdi") return "vdi";
  if (ext === "vmdk") return "vmdk";
  if (ext === "vhd") return "vpc";
  throw notImplemented(`hard disk ${path}: only .vdi, .vmdk and .vhd files are run`);
}

function controllerArgs(m: Machine, c: StorageController, ci: number, boot: BootIndexer): string[] {
  const out: string[] = [];
  const cid = `ctl${ci}`;
  const rot = (a: Attachment) => (a.type === "hdd" && a.nonrotational ? ",rotation_rate=1" : "");
  const sorted = [...c.attachments].sort((a, b) => a.port - b.port || a.device - b.device);
  const drive = (a: Attachment) => {
    const id = `${cid}-${a.port}-${a.device}`;
    out.push(...driveArgs(id, a, c));
    return id;
  };
  switch (c.bus) {
    case "ide": {
      if (c.type === "ICH6") throw notImplemented("IDE controller type ICH6");
      // pc (i440fx) has PIIX3 IDE built in (buses ide.0/ide.1); q35 gets a PIIX4 IDE of its own.
      let bus = (p: number) => `ide.${p}`;
      if (m.chipset === "ich9") {
        out.push("-device", `piix4-ide,id=${cid}`);
        bus = (p) => `${cid}.${p}`;
      } else if (m.controllers.filter((x) => x.bus === "ide").indexOf(c) > 0) {
        throw notImplemented("a second IDE controller");
      }
      for (const a of sorted) {
        const dev = a.type === "hdd" ? "ide-hd" : a.type === "dvddrive" ? "ide-cd" : undefined;
        if (!dev) throw notImplemented(`a ${a.type} on an IDE controller`);
        out.push("-device", `${dev},drive=${drive(a)},bus=${bus(a.port)},unit=${a.device}${rot(a)}${boot(bootClass(a))}`);
      }
      return out;
    }
    case "sata": {
      out.push("-device", `ich9-ahci,id=${cid}`);
      for (const a of sorted) {
        const dev = a.type === "hdd" ? "ide-hd" : a.type === "dvddrive" ? "ide-cd" : undefined;
        if (!dev) throw notImplemented(`a ${a.type} on a SATA controller`);
        out.push("-device", `${dev},drive=${drive(a)},bus=${cid}.${a.port}${rot(a)}${boot(bootClass(a))}`);
      }
      return out;
    }
    case "scsi":
    case "sas":
    case "virtio": {
      if (c.type === "BusLogic") throw notImplemented("SCSI controller type BusLogic (QEMU has no BusLogic HBA)");
      const hba = c.type === "LsiLogic" ? "lsi53c895a" : c.type === "LsiLogicSas" ? "mptsas1068" : "virtio-scsi-pci";
      out.push("-device", `${hba},id=${cid}`);
      for (const a of sorted) {
        const dev = a.type === "hdd" ? "scsi-hd" : a.type === "dvddrive" ? "scsi-cd" : undefined;
        if (!dev) throw notImplemented(`a ${a.type} on a SCSI controller`);
        out.push("-device", `${dev},drive=${drive(a)},bus=${cid}.0,scsi-id=${a.port},lun=0${rot(a)}${boot(bootClass(a))}`);
      }
      return out;
    }
    case "pcie": {
      for (const a of sorted) {
        if (a.type !== "hdd") throw notImplemented(`a ${a.type} on an NVMe controller`);
        out.push("-device", `nvme,drive=${drive(a)},serial=VB${m.uuid.slice(0, 8)}${a.port}${boot(bootClass(a))}`);
      }
      return out;
    }
    case "floppy": {
      if (m.chipset === "ich9") out.push("-device", `isa-fdc,id=${cid}`);
      for (const a of sorted) {
        if (a.type !== "fdd") throw notImplemented(`a ${a.type} on a floppy controller`);
        out.push(...driveArgs(`${cid}-0-${a.device}`, a, c));
        out.push("-device", `floppy,drive=${cid}-0-${a.device},unit=${a.device}${boot("floppy")}`);
      }
      return out;
    }
    case "usb":
      if (sorted.length) throw notImplemented("USB storage controllers");
      return out;
  }
}

function nicArgs(nic: Nic, i: number, boot: BootIndexer): string[] {
  if (nic.mode === "none") return [];
  const mac = nic.mac.replace(/(..)(?!$)/g, "$1:");
  const device = `${nicDevice[nic.type]},id=net${i + 1},mac=${mac}`;
  if (nic.mode === "null") return ["-device", `${device}${boot("net")}`];
  const net = `10.0.${i + 2}`;
  const fwd = nic.rules.map((r) => `,hostfwd=${hostfwd(r)}`).join("");
  return [
    "-netdev", `user,id=${netdevId(i)},net=${net}.0/24,host=${net}.2,dns=${net}.3,dhcpstart=${net}.15${fwd}`,
    "-device", `${device},netdev=${netdevId(i)}${boot("net")}`,
  ];
}
