/**
 * A .vmx read into the virtual machine it describes, strictly: every key is either implemented
 * here, listed in ignored-keys.ts with its reason, or the whole VM is refused with every offending
 * key named, so a builder can never silently depend on something the stand-in does not do.
 * A device whose `.present` is not TRUE is absent, with all its other keys (VMware's rule too).
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { ignoredKey } from "./ignored-keys.js";
import { NOT_IMPLEMENTED, StandInError } from "./product.js";
import type { VmxEntries } from "./vmx-file.js";

export type Bus = "ide" | "scsi" | "sata" | "nvme";
export type ScsiModel = "lsilogic" | "lsisas1068" | "pvscsi" | "buslogic";
export type NicModel = "e1000" | "e1000e" | "vmxnet3";
export type BootDevice = "floppy" | "hdd" | "cdrom";

export interface DriveSpec {
  /** VMware's name for the slot, e.g. `ide0:1`. */
  slot: string;
  bus: Bus;
  controller: number;
  unit: number;
  media: "disk" | "cdrom";
  /** Absolute path; absent for an empty CD drive. */
  file?: string;
}

export interface NicSpec {
  index: number;
  model: NicModel;
  mac: string;
  /** True when VMware would generate the MAC now (addressType generated, none recorded yet). */
  macIsNew: boolean;
  connection: { type: "nat" } | { type: "custom"; vnet: string };
}

export interface VncSpec {
  port: number;
  ip: string;
  password?: string;
}

export interface MachineSpec {
  vmx: string;
  displayName: string;
  memoryMiB: number;
  cpus: number;
  coresPerSocket: number;
  scsiControllers: { index: number; model: ScsiModel }[];
  sataControllers: number[];
  nvmeControllers: number[];
  drives: DriveSpec[];
  nics: NicSpec[];
  vnc?: VncSpec;
  floppy?: string;
  serialFiles: string[];
  usb: boolean;
  ehci: boolean;
  bootOrder: BootDevice[];
  uuidBios?: string;
  powerOff: "soft" | "hard";
}

/** Tracks which keys the interpretation used, so the rest can be checked against the ignore list. */
class VmxReader {
  private readonly used = new Set<string>();
  readonly problems: string[] = [];

  constructor(private readonly entries: VmxEntries) {}

  get(key: string): string | undefined {
    this.used.add(key);
    return this.entries.get(key);
  }

  keys(pattern: RegExp): string[] {
    return [...this.entries.keys()].filter((k) => pattern.test(k));
  }

  refuse(key: string, why: string): void {
    this.problems.push(`${key} = "${this.entries.get(key) ?? ""}": ${why}`);
    this.used.add(key);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.get(key);
    if (v === undefined || v === "") return fallback;
    if (/^true$/i.test(v)) return true;
    if (/^false$/i.test(v)) return false;
    this.refuse(key, "not TRUE or FALSE");
    return fallback;
  }

  int(key: string, fallback: number | undefined, min: number, max: number): number | undefined {
    const v = this.get(key);
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.refuse(key, `not an integer between ${min} and ${max}`);
      return fallback;
    }
    return n;
  }

  /** `dev.present`; when not TRUE, every `dev.*` key is taken as belonging to an absent device. */
  present(dev: string): boolean {
    if (this.bool(`${dev}.present`, false)) return true;
    for (const k of this.keys(new RegExp(`^${dev.replace(/[.:]/g, "\\$&")}\\.`))) this.used.add(k);
    return false;
  }

  leftovers(): string[] {
    const out: string[] = [];
    for (const [k, v] of this.entries) {
      if (this.used.has(k) || ignoredKey(k, v)) continue;
      out.push(`${k} = "${v}" ${NOT_IMPLEMENTED}`);
    }
    return out;
  }
}

export function readMachineSpec(vmx: string, entries: VmxEntries): MachineSpec {
  const r = new VmxReader(entries);
  const dir = dirname(vmx);
  const file = (key: string, value: string): string => {
    const path = isAbsolute(value) ? value : resolve(dir, value);
    if (!existsSync(path)) r.refuse(key, `file not found: ${path}`);
    return path;
  };

  const memoryMiB = r.int("memsize", undefined, 4, 1024 * 1024);
  if (memoryMiB === undefined) r.problems.push(`memsize: missing (the VM's memory in MiB)`);
  else if (memoryMiB % 4 !== 0) r.refuse("memsize", "VMware requires a multiple of 4 MiB");
  const cpus = r.int("numvcpus", 1, 1, 64)!;
  const coresPerSocket = r.int("cpuid.corespersocket", 1, 1, 64)!;
  if (cpus % coresPerSocket !== 0) r.refuse("cpuid.corespersocket", `numvcpus (${cpus}) is not a multiple of it`);
  r.int("virtualhw.version", undefined, 3, 21);
  const firmware = r.get("firmware");
  if (firmware !== undefined && firmware !== "bios") r.refuse("firmware", `only BIOS firmware ${NOT_IMPLEMENTED}`);

  const powerOffType = (r.get("powertype.poweroff") ?? "soft").toLowerCase();
  if (!["soft", "hard", "default"].includes(powerOffType)) r.refuse("powertype.poweroff", "not soft, hard or default");

  const uuid = r.get("uuid.bios");
  let uuidBios: string | undefined;
  if (uuid !== undefined) {
    const hex = uuid.replace(/[\s-]/g, "");
    if (/^[0-9a-fA-F]{32}$/.test(hex)) uuidBios = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    else r.refuse("uuid.bios", "not 16 hex bytes");
  }

  const bootOrder: BootDevice[] = [];
  const order = r.get("bios.bootorder");
  for (const item of (order ?? "floppy,hdd,cdrom").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (item === "hdd" || item === "cdrom" || item === "floppy") bootOrder.push(item);
    else r.refuse("bios.bootorder", `boot device "${item}" ${NOT_IMPLEMENTED}`);
  }

  // Controllers. IDE has two channels, always there; SCSI, SATA, NVMe exist when present.
  const scsiControllers: MachineSpec["scsiControllers"] = [];
  const sataControllers: number[] = [];
  const nvmeControllers: number[] = [];
  const controllerPresent = new Set<string>(["ide0", "ide1"]);
  for (const key of r.keys(/^(scsi|sata|nvme)\d+\.present$/)) {
    const dev = key.slice(0, -".present".length);
    if (!r.present(dev)) continue;
    controllerPresent.add(dev);
    const index = Number(/\d+$/.exec(dev)![0]);
    if (dev.startsWith("scsi")) {
      const model = (r.get(`${dev}.virtualdev`) ?? "buslogic").toLowerCase();
      if (model === "lsilogic" || model === "lsisas1068" || model === "pvscsi" || model === "buslogic") scsiControllers.push({ index, model });
      else r.refuse(`${dev}.virtualdev`, `SCSI controller "${model}" ${NOT_IMPLEMENTED}`);
    } else if (dev.startsWith("sata")) sataControllers.push(index);
    else nvmeControllers.push(index);
    if (index > 3) r.refuse(key, "VMware allows controllers 0-3");
  }

  const drives: DriveSpec[] = [];
  const slots = new Set(r.keys(/^(ide|scsi|sata|nvme)\d+:\d+\./).map((k) => k.slice(0, k.indexOf("."))));
  for (const slot of [...slots].sort()) {
    const m = /^(ide|scsi|sata|nvme)(\d+):(\d+)$/.exec(slot)!;
    const bus = m[1] as Bus;
    const controller = Number(m[2]);
    const unit = Number(m[3]);
    if (!r.present(slot)) continue;
    if (!controllerPresent.has(`${bus}${controller}`)) {
      r.refuse(`${slot}.present`, `its controller ${bus}${controller} is not present`);
      continue;
    }
    const limit = { ide: 1, scsi: 15, sata: 29, nvme: 14 }[bus];
    if (unit > limit || (bus === "scsi" && unit === 7)) r.refuse(`${slot}.present`, `no unit ${unit} on a VMware ${bus} controller`);
    const mode = r.get(`${slot}.mode`);
    if (mode !== undefined && mode !== "persistent") r.refuse(`${slot}.mode`, `disk mode "${mode}" ${NOT_IMPLEMENTED}`);
    const deviceType = (r.get(`${slot}.devicetype`) ?? "disk").toLowerCase();
    const fileName = r.get(`${slot}.filename`);
    const connected = r.bool(`${slot}.startconnected`, true);
    r.get(`${slot}.autodetect`);
    if (deviceType === "disk" || deviceType === "scsi-harddisk" || deviceType === "ata-harddisk") {
      if (!fileName || !fileName.toLowerCase().endsWith(".vmdk")) {
        r.refuse(`${slot}.filename`, "a disk needs a .vmdk file");
        continue;
      }
      drives.push({ slot, bus, controller, unit, media: "disk", file: file(`${slot}.filename`, fileName) });
    } else if (deviceType === "cdrom-image") {
      const iso = connected && fileName ? file(`${slot}.filename`, fileName) : undefined;
      drives.push({ slot, bus, controller, unit, media: "cdrom", ...(iso ? { file: iso } : {}) });
    } else if (deviceType === "cdrom-raw") {
      // A host CD drive: the stand-in has none to pass through, so only the "client device"
      // (the GUI's drive, absent here) form is accepted, which is an empty drive.
      if (!r.bool(`${slot}.clientdevice`, false)) r.refuse(`${slot}.devicetype`, `host CD-ROM passthrough ${NOT_IMPLEMENTED}`);
      drives.push({ slot, bus, controller, unit, media: "cdrom" });
    } else {
      r.refuse(`${slot}.devicetype`, `device type "${deviceType}" ${NOT_IMPLEMENTED}`);
    }
  }

  const nics: NicSpec[] = [];
  const nicIndexes = new Set(r.keys(/^ethernet\d+\./).map((k) => Number(/^ethernet(\d+)/.exec(k)![1])));
  for (const index of [...nicIndexes].sort((a, b) => a - b)) {
    const dev = `ethernet${index}`;
    if (!r.present(dev)) continue;
    const model = (r.get(`${dev}.virtualdev`) ?? "").toLowerCase();
    if (model !== "e1000" && model !== "e1000e" && model !== "vmxnet3") r.refuse(`${dev}.virtualdev`, `NIC model "${model}" ${NOT_IMPLEMENTED} (e1000, e1000e, vmxnet3 are)`);
    if (!r.bool(`${dev}.startconnected`, true)) r.refuse(`${dev}.startconnected`, `a disconnected NIC ${NOT_IMPLEMENTED}`);
    const connectionType = (r.get(`${dev}.connectiontype`) ?? "bridged").toLowerCase();
    const vnet = r.get(`${dev}.vnet`) ?? "";
    let connection: NicSpec["connection"] | undefined;
    if (connectionType === "nat") connection = { type: "nat" };
    else if (connectionType === "custom" && vnet) connection = { type: "custom", vnet: vnet.replace(/^\/dev\//, "") };
    else r.refuse(`${dev}.connectiontype`, `"${connectionType}" networking ${NOT_IMPLEMENTED}: guests are reached only through NAT port forwards on 127.0.0.1`);
    const addressType = (r.get(`${dev}.addresstype`) ?? "generated").toLowerCase();
    let mac = "";
    let macIsNew = false;
    if (addressType === "static") {
      mac = (r.get(`${dev}.address`) ?? "").toLowerCase();
      if (!/^00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/.test(mac)) r.refuse(`${dev}.address`, "VMware accepts static MACs 00:50:56:00:00:00-00:50:56:3f:ff:ff only");
      r.get(`${dev}.generatedaddress`);
    } else if (addressType === "generated") {
      mac = (r.get(`${dev}.generatedaddress`) ?? "").toLowerCase();
      if (mac && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) r.refuse(`${dev}.generatedaddress`, "not a MAC address");
      macIsNew = !mac;
    } else {
      r.refuse(`${dev}.addresstype`, `"${addressType}" ${NOT_IMPLEMENTED}`);
    }
    if (model && connection) nics.push({ index, model: model as NicModel, mac, macIsNew, connection });
  }

  let vnc: VncSpec | undefined;
  if (r.bool("remotedisplay.vnc.enabled", false)) {
    const port = r.int("remotedisplay.vnc.port", 5900, 5900, 65535)!;
    // VMware listens on every interface unless told; the stand-in never leaves loopback.
    const ip = r.get("remotedisplay.vnc.ip") || "127.0.0.1";
    if (!/^127\.\d+\.\d+\.\d+$/.test(ip)) r.refuse("remotedisplay.vnc.ip", "the stand-in serves VNC on loopback only");
    const password = r.get("remotedisplay.vnc.password");
    if (password !== undefined && password.length > 8) r.refuse("remotedisplay.vnc.password", "VNC passwords are at most 8 characters");
    vnc = { port, ip, ...(password ? { password } : {}) };
  } else {
    for (const k of r.keys(/^remotedisplay\.vnc\./)) r.get(k);
  }

  let floppy: string | undefined;
  for (const key of r.keys(/^floppy\d+\.present$/)) {
    const dev = key.slice(0, -".present".length);
    if (!r.present(dev)) continue;
    if (dev !== "floppy0") { r.refuse(key, `a second floppy drive ${NOT_IMPLEMENTED}`); continue; }
    const type = r.get("floppy0.filetype") ?? "device";
    r.get("floppy0.autodetect");
    if (r.bool("floppy0.clientdevice", false) || type !== "file") r.refuse("floppy0.filetype", `host floppy drives ${NOT_IMPLEMENTED}`);
    const name = r.get("floppy0.filename");
    if (name && r.bool("floppy0.startconnected", true)) floppy = file("floppy0.filename", name);
  }

  const serialFiles: string[] = [];
  for (const key of r.keys(/^serial\d+\.present$/).sort()) {
    const dev = key.slice(0, -".present".length);
    if (!r.present(dev)) continue;
    const type = r.get(`${dev}.filetype`) ?? "";
    for (const k of ["startconnected", "autodetect", "yieldonmsrread", "trynorxloss", "pipe.endpoint"]) r.get(`${dev}.${k}`);
    const name = r.get(`${dev}.filename`) ?? "";
    if (type !== "file" || !name) r.refuse(`${dev}.filetype`, `serial port type "${type}" ${NOT_IMPLEMENTED} (file is)`);
    else serialFiles.push(isAbsolute(name) ? name : resolve(dir, name));
  }

  for (const key of r.keys(/^(parallel\d+|sound|usb_xhci)\.present$/)) {
    const dev = key.slice(0, -".present".length);
    if (r.present(dev)) r.refuse(key, `${dev} ${NOT_IMPLEMENTED}`);
  }
  const usb = r.present("usb");
  const ehci = r.present("ehci");

  const problems = [...r.problems, ...r.leftovers()];
  if (problems.length > 0) throw new StandInError(`${vmx}: the stand-in cannot power this VM on:\n  ${problems.join("\n  ")}`);
  return {
    vmx,
    displayName: r.get("displayname") ?? "",
    memoryMiB: memoryMiB!,
    cpus,
    coresPerSocket,
    scsiControllers,
    sataControllers,
    nvmeControllers,
    drives,
    nics,
    ...(vnc ? { vnc } : {}),
    ...(floppy ? { floppy } : {}),
    serialFiles,
    usb,
    ehci,
    bootOrder,
    ...(uuidBios ? { uuidBios } : {}),
    powerOff: powerOffType === "hard" ? "hard" : "soft",
  };
}
