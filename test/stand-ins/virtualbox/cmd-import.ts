/**
 * `import NAME.ovf|NAME.ova [-n] [--options keepallmacs,keepnatmacs,importtovdi] [--vsys 0 --vmname N
 * --ostype T --basefolder D --cpus N --memory MB --description S --eula accept --unit U --ignore|--disk P]`:
 * reads an OVF 1.0 appliance (checking its manifest), converts its disks into the new machine's
 * folder (VMDK, or VDI with importtovdi) and registers the machine, printing the appliance's
 * units as VirtualBox does so `--unit` numbers mean the same thing.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join, resolve } from "node:path";
import { extract as extractTar } from "tar";
import { integer, type ArgReader } from "./args.js";
import { convertDisk } from "./disk-images.js";
import { notImplemented, VBoxManageError } from "./errors.js";
import { newMachine, newNic, newUuid, type Attachment, type Bus, type StorageController } from "./machine.js";
import { verifyManifest } from "./manifest.js";
import { osType } from "./ostypes.js";
import { readOvf, type OvfAppliance } from "./ovf.js";
import { defaultMachineFolder, loadGlobal, registeredMachines, saveGlobal, saveMachine, settingsFileFor } from "./store.js";

const say = (line: string) => process.stdout.write(line + "\n");

interface VsysOptions {
  vmname?: string;
  ostype?: string;
  basefolder?: string;
  cpus?: number;
  memory?: number;
  description?: string;
  eulaAccepted: boolean;
  units: Map<number, { ignore?: boolean; disk?: string }>;
}

/** VirtualBox's names for the controllers an import creates. */
const controllerName: Record<Bus, string> = { ide: "IDE", sata: "SATA", scsi: "SCSI", sas: "SAS", pcie: "NVMe", virtio: "VirtioSCSI", floppy: "Floppy", usb: "USB" };

export async function importAppliance(r: ArgReader): Promise<void> {
  const source = resolve(r.positional("an OVF or OVA file"));
  let dryRun = false;
  let toVdi = false;
  const vs: VsysOptions = { eulaAccepted: false, units: new Map() };
  let unit: number | undefined;
  for (let opt; (opt = r.option()); ) {
    switch (opt.name) {
      case "-n": case "--dry-run": case "--dryrun": dryRun = true; break;
      case "--options": case "-o":
        for (const o of r.value(opt).split(",")) {
          if (o === "importtovdi") toVdi = true;
          else if (o !== "keepallmacs" && o !== "keepnatmacs") throw notImplemented(`import --options ${o}`);
        }
        break;
      case "--vsys": integer(opt, r.value(opt), 0, 0); break;
      case "--vmname": vs.vmname = r.value(opt); break;
      case "--ostype": vs.ostype = r.value(opt); break;
      case "--basefolder": vs.basefolder = resolve(r.value(opt)); break;
      case "--cpus": vs.cpus = integer(opt, r.value(opt), 1, 64); break;
      case "--memory": vs.memory = integer(opt, r.value(opt), 4, 2097152); break;
      case "--description": vs.description = r.value(opt); break;
      case "--eula": {
        const v = r.value(opt);
        if (v === "accept") vs.eulaAccepted = true;
        else if (v !== "show") throw new VBoxManageError(`Invalid --eula argument '${v}' (show or accept)`);
        break;
      }
      case "--unit": unit = integer(opt, r.value(opt)); break;
      case "--ignore": unitOptions(vs, unit, opt.name).ignore = true; break;
      case "--disk": unitOptions(vs, unit, opt.name).disk = resolve(r.value(opt)); break;
      default: throw r.unknown(opt);
    }
  }
  if (!r.done) throw notImplemented(`import: unexpected argument '${r.peek()}'`);
  if (!existsSync(source)) throw new VBoxManageError(`Cannot import '${source}': file not found`, "code VBOX_E_FILE_ERROR (0x80bb0004)");

  const ext = extname(source).toLowerCase();
  let dir = dirname(source);
  let ovfPath = source;
  let unpacked: string | undefined;
  try {
    if (ext === ".ova") {
      unpacked = mkdtempSync(join(tmpdir(), "vbox-stand-in-ova-"));
      await extractTar({ file: source, cwd: unpacked, strict: true });
      const ovfs = readdirSync(unpacked).filter((f) => f.toLowerCase().endsWith(".ovf"));
      if (ovfs.length !== 1) throw new VBoxManageError(`${source}: expected one .ovf in the OVA, found ${ovfs.length}`);
      dir = unpacked;
      ovfPath = join(unpacked, ovfs[0]!);
    } else if (ext !== ".ovf") throw new VBoxManageError(`Appliance file must have .ovf or .ova extension (${source})`);
    say("0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%");
    say(`Interpreting ${source}...`);
    const appliance = readOvf(readFileSync(ovfPath, "utf8"), source);
    await verifyManifest(join(dir, `${basename(ovfPath, extname(ovfPath))}.mf`), dir);
    say("OK.");
    await importInto(appliance, dir, vs, toVdi, dryRun);
  } finally {
    if (unpacked) rmSync(unpacked, { recursive: true, force: true });
  }
}

function unitOptions(vs: VsysOptions, unit: number | undefined, flag: string): { ignore?: boolean; disk?: string } {
  if (unit === undefined) throw new VBoxManageError(`import: ${flag} needs a preceding --unit`);
  const o = vs.units.get(unit) ?? {};
  vs.units.set(unit, o);
  return o;
}

interface DiskPlan { drive: Attachment; controller: StorageController; source: string; target: string }

async function importInto(a: OvfAppliance, dir: string, vs: VsysOptions, toVdi: boolean, dryRun: boolean): Promise<void> {
  const g = loadGlobal();
  const s = a.system;
  const name = vs.vmname ?? s.id;
  const os = osType(vs.ostype ?? s.osType).id;
  const baseFolder = vs.basefolder ?? defaultMachineFolder(g);
  const settingsFile = settingsFileFor(baseFolder, name);
  const m = newMachine(name, os);
  m.cpus = vs.cpus ?? s.cpus;
  m.memoryMB = vs.memory ?? s.memoryMB;
  m.description = vs.description ?? s.description ?? "";
  m.nics = m.nics.map(() => newNic("none"));
  s.nics.slice(0, 8).forEach((n, i) => Object.assign(m.nics[i]!, { mode: "nat", type: n.type }));

  // Units, numbered as VirtualBox's import listing numbers them.
  let u = 0;
  say("Virtual system 0:");
  say(` ${u++}: Suggested OS type: "${os}"\n    (change with "--vsys 0 --ostype <type>"; use "list ostypes" to list all possible values)`);
  say(` ${u++}: Suggested VM name "${name}"\n    (change with "--vsys 0 --vmname <name>")`);
  say(` ${u++}: Suggested VM base folder "${baseFolder}"\n    (change with "--vsys 0 --basefolder <path>")`);
  if (s.eula) say(` ${u++}: End-user license agreement\n    (display with "--vsys 0 --eula show";\n    accept with "--vsys 0 --eula accept")`);
  say(` ${u++}: Number of CPUs: ${m.cpus}\n    (change with "--vsys 0 --cpus <n>")`);
  say(` ${u++}: Guest memory: ${m.memoryMB} MB\n    (change with "--vsys 0 --memory <MB>")`);
  for (const n of s.nics) say(` ${u++}: Network adapter: orig ${n.connection}, config ${n.type}, extra type=${n.connection}`);
  const byItem = new Map<string, { controller: StorageController; port: number }>();
  for (const c of s.controllers) {
    const unitNo = u++;
    say(` ${unitNo}: ${c.bus.toUpperCase()} controller, type ${c.type}\n    (disable with "--vsys 0 --unit ${unitNo} --ignore")`);
    if (vs.units.get(unitNo)?.ignore) continue;
    let ctl = m.controllers.find((x) => x.bus === c.bus);
    // VirtualBox merges OVF's primary and secondary IDE controllers into one with two ports.
    if (!ctl || c.bus !== "ide") {
      ctl = { name: ctl ? `${controllerName[c.bus]}-${c.address}` : controllerName[c.bus], bus: c.bus, type: c.type, portCount: c.bus === "ide" ? 2 : 1, bootable: true, hostIOCache: c.bus === "ide", attachments: [] };
      m.controllers.push(ctl);
    }
    byItem.set(c.instanceId, { controller: ctl, port: c.bus === "ide" ? c.address : 0 });
  }
  const disks: DiskPlan[] = [];
  for (const d of s.drives) {
    const unitNo = u++;
    const parent = byItem.get(d.parent);
    if (d.type === "fdd") {
      say(` ${unitNo}: Floppy\n    (disable with "--vsys 0 --unit ${unitNo} --ignore")`);
      if (vs.units.get(unitNo)?.ignore) continue;
      let fc = m.controllers.find((x) => x.bus === "floppy");
      if (!fc) m.controllers.push((fc = { name: "Floppy", bus: "floppy", type: "I82078", portCount: 1, bootable: true, hostIOCache: true, attachments: [] }));
      fc.attachments.push({ port: 0, device: 0, type: "fdd", nonrotational: false, discard: false, hotpluggable: false });
      continue;
    }
    if (!parent) throw new VBoxManageError(`the OVF's ${d.type === "hdd" ? "disk" : "CD-ROM"} item ${d.instanceId} names controller ${d.parent}, which is not in the appliance or was ignored`);
    const port = parent.controller.bus === "ide" ? parent.port : d.addressOnParent;
    const device = parent.controller.bus === "ide" ? d.addressOnParent : 0;
    parent.controller.portCount = Math.max(parent.controller.portCount, port + 1);
    const drive: Attachment = { port, device, type: d.type, nonrotational: false, discard: false, hotpluggable: false };
    if (d.type === "dvddrive") {
      say(` ${unitNo}: CD-ROM\n    (disable with "--vsys 0 --unit ${unitNo} --ignore")`);
      if (!vs.units.get(unitNo)?.ignore) parent.controller.attachments.push(drive);
      continue;
    }
    const disk = a.disks.find((x) => x.diskId === d.diskId);
    const file = disk && a.files.find((f) => f.id === disk.fileRef);
    if (!file) throw new VBoxManageError(`the OVF's disk ${d.diskId} has no file in References`);
    const href = basename(file.href);
    const target = vs.units.get(unitNo)?.disk ?? join(dirname(settingsFile), toVdi ? `${basename(href, extname(href))}.vdi` : href);
    say(` ${unitNo}: Hard disk image: source image=${href}, target path=${target}, controller=${parent.controller.name};channel=${port}\n    (change target path with "--vsys 0 --unit ${unitNo} --disk path";\n    disable with "--vsys 0 --unit ${unitNo} --ignore")`);
    if (vs.units.get(unitNo)?.ignore) continue;
    disks.push({ drive: { ...drive, medium: target }, controller: parent.controller, source: join(dir, file.href), target });
  }
  for (const unitNo of vs.units.keys()) if (unitNo >= u) throw new VBoxManageError(`import: there is no unit ${unitNo} (the appliance has ${u})`);
  if (s.eula && !vs.eulaAccepted && !dryRun) throw new VBoxManageError("Cannot import until the license agreement listed above is accepted (--vsys 0 --eula accept).");
  if (dryRun) return;

  if (existsSync(settingsFile)) throw new VBoxManageError(`Machine settings file '${settingsFile}' already exists`, "code VBOX_E_FILE_ERROR (0x80bb0004), component MachineWrap, interface IMachine");
  if (registeredMachines(g).some((x) => x.machine.name === name)) throw new VBoxManageError(`A machine named '${name}' already exists`, "code VBOX_E_OBJECT_IN_USE (0x80bb000c)");
  const created: string[] = [];
  try {
    for (const d of disks) {
      if (existsSync(d.target)) throw new VBoxManageError(`Cannot import disk to '${d.target}': the file exists`, "code VBOX_E_FILE_ERROR (0x80bb0004)");
      mkdirSync(dirname(d.target), { recursive: true });
      await convertDisk(d.source, d.target, toVdi ? "VDI" : "VMDK");
      created.push(d.target);
      d.controller.attachments.push(d.drive);
      g.media.push({ uuid: newUuid(), path: d.target, deviceType: "hdd", format: toVdi ? "VDI" : "VMDK" });
    }
    saveMachine(settingsFile, m);
    g.machines.push(settingsFile);
    saveGlobal(g);
  } catch (e) {
    for (const f of created) rmSync(f, { force: true });
    const folder = dirname(settingsFile);
    if (existsSync(folder) && readdirSync(folder).length === 0) rmdirSync(folder);
    throw e;
  }
  say("Successfully imported the appliance.");
}
