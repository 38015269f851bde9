/** Storage: storagectl, storageattach, createhd/createmedium, closemedium. */
import { existsSync, rmSync } from "node:fs";
import { extname, resolve } from "node:path";
import { integer, oneOf, onOff, type ArgReader } from "./args.js";
import { assertNotRunning } from "./cmd-machines.js";
import { createDisk, diskInfo, vboxFormatOf, type VBoxDiskFormat } from "./disk-images.js";
import { notImplemented, VBoxManageError } from "./errors.js";
import { devicesPerPort, findController, maxPortCount, newUuid, type Attachment, type Bus, type ControllerType, type DeviceType } from "./machine.js";
import { findMachine, loadGlobal, registeredMachines, saveGlobal, saveMachine, type GlobalSettings, type MediumRecord } from "./store.js";

const BUSES: readonly Bus[] = ["ide", "sata", "scsi", "sas", "floppy", "pcie", "virtio", "usb"];
const CONTROLLERS = ["LSILogic", "LSILogicSAS", "BusLogic", "IntelAHCI", "PIIX3", "PIIX4", "ICH6", "I82078", "USB", "NVMe", "VirtIO"] as const;

/** The controller type VirtualBox picks for a bus, and the buses each type fits. */
const defaultType: Record<Bus, ControllerType> = { ide: "PIIX4", sata: "IntelAhci", scsi: "LsiLogic", sas: "LsiLogicSas", floppy: "I82078", pcie: "NVMe", virtio: "VirtioSCSI", usb: "USB" };
const typeOf: Record<(typeof CONTROLLERS)[number], [ControllerType, Bus]> = {
  LSILogic: ["LsiLogic", "scsi"], LSILogicSAS: ["LsiLogicSas", "sas"], BusLogic: ["BusLogic", "scsi"], IntelAHCI: ["IntelAhci", "sata"],
  PIIX3: ["PIIX3", "ide"], PIIX4: ["PIIX4", "ide"], ICH6: ["ICH6", "ide"], I82078: ["I82078", "floppy"], USB: ["USB", "usb"], NVMe: ["NVMe", "pcie"], VirtIO: ["VirtioSCSI", "virtio"],
};

export async function storagectl(r: ArgReader): Promise<void> {
  const g = loadGlobal();
  const rm = findMachine(g, r.positional("a VM name or UUID"));
  assertNotRunning(rm);
  let name: string | undefined;
  let add: Bus | undefined;
  let type: (typeof CONTROLLERS)[number] | undefined;
  let portCount: number | undefined;
  let hostIOCache: boolean | undefined;
  let bootable: boolean | undefined;
  let remove = false;
  let rename: string | undefined;
  for (let opt; (opt = r.option()); ) {
    switch (opt.name) {
      case "--name": name = r.value(opt); break;
      case "--add": add = oneOf(opt, r.value(opt), BUSES); break;
      case "--controller": type = oneOf(opt, r.value(opt), CONTROLLERS); break;
      case "--portcount": case "--sataportcount": portCount = integer(opt, r.value(opt), 1, 255); break;
      case "--hostiocache": hostIOCache = onOff(opt, r.value(opt)); break;
      case "--bootable": bootable = onOff(opt, r.value(opt)); break;
      case "--remove": remove = true; break;
      case "--rename": rename = r.value(opt); break;
      default: throw r.unknown(opt);
    }
  }
  if (!r.done) throw notImplemented(`storagectl: unexpected argument '${r.peek()}'`);
  if (!name) throw new VBoxManageError("storagectl: parameter --name is required");
  const m = rm.machine;
  if (add) {
    if (findController(m, name)) throw new VBoxManageError(`Storage controller named '${name}' already exists`, "code VBOX_E_OBJECT_IN_USE (0x80bb000c), component SessionMachine, interface IMachine");
    const [ctype, bus] = type ? typeOf[type] : [defaultType[add], add];
    if (bus !== add) throw new VBoxManageError(`Invalid --controller ${type} for a ${add} controller`);
    const max = maxPortCount(add);
    m.controllers.push({ name, bus: add, type: ctype, portCount: Math.min(portCount ?? (add === "sata" ? 30 : add === "pcie" ? 1 : max), max), bootable: bootable ?? true, hostIOCache: hostIOCache ?? (add !== "sata" && add !== "pcie"), attachments: [] });
  } else {
    const c = findController(m, name);
    if (!c) throw new VBoxManageError(`Could not find a storage controller named '${name}'`, "code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component SessionMachine, interface IMachine");
    if (remove) m.controllers = m.controllers.filter((x) => x !== c);
    else {
      if (type) {
        const [ctype, bus] = typeOf[type];
        if (bus !== c.bus) throw new VBoxManageError(`Invalid --controller ${type} for a ${c.bus} controller`);
        c.type = ctype;
      }
      if (portCount !== undefined) c.portCount = Math.min(portCount, maxPortCount(c.bus));
      if (hostIOCache !== undefined) c.hostIOCache = hostIOCache;
      if (bootable !== undefined) c.bootable = bootable;
      if (rename) c.name = rename;
    }
  }
  saveMachine(rm.settingsFile, m);
}

export async function storageattach(r: ArgReader): Promise<void> {
  const g = loadGlobal();
  const rm = findMachine(g, r.positional("a VM name or UUID"));
  let ctl: string | undefined;
  let port = 0;
  let device = 0;
  let type: DeviceType | undefined;
  let medium: string | undefined;
  const flags: Partial<Pick<Attachment, "nonrotational" | "discard" | "hotpluggable">> = {};
  for (let opt; (opt = r.option()); ) {
    switch (opt.name) {
      case "--storagectl": ctl = r.value(opt); break;
      case "--port": port = integer(opt, r.value(opt), 0, 254); break;
      case "--device": device = integer(opt, r.value(opt), 0, 1); break;
      case "--type": type = oneOf(opt, r.value(opt), ["hdd", "dvddrive", "fdd"] as const); break;
      case "--medium": medium = r.value(opt); break;
      case "--nonrotational": flags.nonrotational = onOff(opt, r.value(opt)); break;
      case "--discard": flags.discard = onOff(opt, r.value(opt)); break;
      case "--hotpluggable": flags.hotpluggable = onOff(opt, r.value(opt)); break;
      case "--mtype": oneOf(opt, r.value(opt), ["normal", "writethrough", "immutable", "shareable", "readonly", "multiattach"] as const, ["normal"] as const); break;
      case "--tempeject": case "--forceunmount": onOff(opt, r.value(opt)); break;
      default: throw r.unknown(opt);
    }
  }
  if (!r.done) throw notImplemented(`storageattach: unexpected argument '${r.peek()}'`);
  if (!ctl) throw new VBoxManageError("storageattach: parameter --storagectl is required");
  const m = rm.machine;
  const c = findController(m, ctl);
  if (!c) throw new VBoxManageError(`Could not find a controller named '${ctl}'`, "code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component SessionMachine, interface IMachine");
  if (port >= c.portCount) throw new VBoxManageError(`Invalid port ${port} for controller '${ctl}' (it has ${c.portCount})`);
  if (device >= devicesPerPort(c.bus)) throw new VBoxManageError(`Invalid device ${device} for controller '${ctl}'`);
  // Changing the medium of a DVD drive is allowed while the machine runs (VirtualBox mounts it live);
  // here it is refused like every other change of a running machine, since QEMU was started without it.
  assertNotRunning(rm);
  const i = c.attachments.findIndex((a) => a.port === port && a.device === device);
  const existing = i >= 0 ? c.attachments[i] : undefined;
  if (medium === undefined) {
    if (!existing) throw new VBoxManageError("storageattach: parameter --medium is required for an empty slot");
    Object.assign(existing, flags);
  } else if (medium === "none") {
    if (i >= 0) c.attachments.splice(i, 1);
  } else {
    const t = type ?? existing?.type;
    if (!t) throw new VBoxManageError("storageattach: parameter --type is required for an empty slot");
    let path: string | undefined;
    if (medium === "emptydrive") {
      if (t === "hdd") throw new VBoxManageError("storageattach: emptydrive is only for DVD and floppy drives");
    } else if (medium === "additions") {
      throw notImplemented("storageattach --medium additions (no Guest Additions ISO)");
    } else if (medium.startsWith("host:")) {
      throw notImplemented(`storageattach --medium ${medium} (host drives)`);
    } else {
      path = await registerMedium(g, findMediumPath(g, medium), t);
    }
    const a: Attachment = { port, device, type: t, medium: path, nonrotational: false, discard: false, hotpluggable: false, ...flags };
    if (existing) c.attachments[i] = a;
    else c.attachments.push(a);
  }
  saveGlobal(g);
  saveMachine(rm.settingsFile, m);
}

/** A medium given by path (relative to the working directory, as VBoxManage resolves it) or by UUID. */
function findMediumPath(g: GlobalSettings, medium: string): string {
  const byUuid = g.media.find((md) => md.uuid === medium.replace(/^\{(.*)\}$/, "$1"));
  if (byUuid) return byUuid.path;
  const path = resolve(medium);
  if (!existsSync(path)) throw new VBoxManageError(`Could not find file for the medium '${path}' (VERR_FILE_NOT_FOUND)`, "code VBOX_E_FILE_ERROR (0x80bb0004), component MediumWrap, interface IMedium");
  return path;
}

async function registerMedium(g: GlobalSettings, path: string, type: DeviceType): Promise<string> {
  const known = g.media.find((md) => md.path === path);
  if (known) {
    if (known.deviceType !== type) throw new VBoxManageError(`Medium '${path}' is registered as a ${known.deviceType}, not a ${type}`);
    return path;
  }
  const format = type === "hdd" ? vboxFormatOf((await diskInfo(path)).format, path) : "RAW";
  g.media.push({ uuid: newUuid(), path, deviceType: type, format });
  return path;
}

export async function createmedium(r: ArgReader, legacyCreatehd: boolean): Promise<void> {
  if (!legacyCreatehd) {
    const kind = r.peek();
    if (kind && !kind.startsWith("-")) {
      r.positional("disk");
      if (kind !== "disk") throw notImplemented(`createmedium ${kind}`);
    }
  }
  let filename: string | undefined;
  let sizeBytes: number | undefined;
  let format: VBoxDiskFormat = "VDI";
  let variant: "Standard" | "Fixed" = "Standard";
  for (let opt; (opt = r.option()); ) {
    switch (opt.name) {
      case "--filename": filename = r.value(opt); break;
      case "--size": sizeBytes = integer(opt, r.value(opt), 1) * 1024 * 1024; break;
      case "--sizebyte": sizeBytes = integer(opt, r.value(opt), 1); break;
      case "--format": format = oneOf(opt, r.value(opt), ["VDI", "VMDK", "VHD"] as const); break;
      case "--variant": {
        const vs = r.value(opt).split(",").map((s) => s.trim());
        variant = vs.some((s) => s.toLowerCase() === "fixed") ? "Fixed" : "Standard";
        const unknown = vs.filter((s) => !["standard", "fixed"].includes(s.toLowerCase()));
        if (unknown.length) throw notImplemented(`createmedium --variant ${unknown.join(",")}`);
        break;
      }
      case "--diffparent": case "--property": case "--property-file": case "--encryption": throw notImplemented(`createmedium ${opt.name}`);
      default: throw r.unknown(opt);
    }
  }
  if (!r.done) throw notImplemented(`createmedium: unexpected argument '${r.peek()}'`);
  if (!filename) throw new VBoxManageError("createmedium: parameter --filename is required");
  if (sizeBytes === undefined) throw new VBoxManageError("createmedium: parameter --size is required");
  let path = resolve(filename);
  if (!extname(path)) path += `.${format.toLowerCase()}`; // VirtualBox adds the format's extension
  const g = loadGlobal();
  if (existsSync(path) || g.media.some((md) => md.path === path)) {
    throw new VBoxManageError(`Failed to create medium`, `Could not create the medium storage unit '${path}'. VD: error VERR_ALREADY_EXISTS (-105) creating '${path}'`);
  }
  await createDisk(path, format, sizeBytes, variant);
  const rec: MediumRecord = { uuid: newUuid(), path, deviceType: "hdd", format };
  g.media.push(rec);
  saveGlobal(g);
  process.stdout.write(`0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\nMedium created. UUID: ${rec.uuid}\n`);
}

export async function closemedium(r: ArgReader): Promise<void> {
  let kind: DeviceType | undefined;
  const first = r.peek();
  if (first === "disk" || first === "dvd" || first === "floppy") {
    r.positional("the medium type");
    kind = first === "disk" ? "hdd" : first === "dvd" ? "dvddrive" : "fdd";
  }
  const target = r.positional("a medium path or UUID");
  let del = false;
  for (let opt; (opt = r.option()); ) {
    if (opt.name === "--delete") del = true;
    else throw r.unknown(opt);
  }
  const g = loadGlobal();
  const path = resolve(target);
  const md = g.media.find((x) => (x.uuid === target.replace(/^\{(.*)\}$/, "$1") || x.path === path) && (!kind || x.deviceType === kind));
  if (!md) throw new VBoxManageError(`Could not find file for the medium '${path}' (VERR_FILE_NOT_FOUND)`, "code VBOX_E_FILE_ERROR (0x80bb0004), component MediumWrap, interface IMedium");
  const users = registeredMachines(g).filter((x) => x.machine.controllers.some((c) => c.attachments.some((a) => a.medium === md.path)));
  if (users.length) {
    throw new VBoxManageError(`Cannot close medium '${md.path}' because it has ${users.length} child media or is attached to ${users.map((u) => `'${u.machine.name}'`).join(", ")}`, "code VBOX_E_OBJECT_IN_USE (0x80bb000c), component MediumWrap, interface IMedium");
  }
  g.media = g.media.filter((x) => x !== md);
  if (del) rmSync(md.path, { force: true });
  saveGlobal(g);
}
