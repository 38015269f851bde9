/**
 * `export VM --output NAME.ovf|NAME.ova [--manifest] [--options manifest,...] [--vsys 0 --product ...]`:
 * an OVF 1.0 descriptor plus each hard disk as a streamOptimized VMDK named as VirtualBox names
 * them (NAME-disk001.vmdk, ...), a SHA256 manifest NAME.mf on request, and for .ova all of it
 * in a tar in OVF order (descriptor, manifest, disks).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { create as createTar } from "tar";
import { integer, type ArgReader } from "./args.js";
import { assertNotRunning } from "./cmd-machines.js";
import { convertDisk, diskInfo } from "./disk-images.js";
import { notImplemented, VBoxManageError } from "./errors.js";
import type { Machine } from "./machine.js";
import { manifestFor } from "./manifest.js";
import { osType } from "./ostypes.js";
import { STREAM_OPTIMIZED, writeOvf, type OvfAppliance, type OvfController, type OvfDrive } from "./ovf.js";
import { findMachine, loadGlobal } from "./store.js";

export async function exportAppliance(r: ArgReader): Promise<void> {
  const key = r.positional("a VM name or UUID");
  let output: string | undefined;
  let manifest = false;
  let vsysName: string | undefined;
  const product: OvfAppliance["system"]["product"] = {};
  let description: string | undefined;
  let eula: string | undefined;
  for (let opt; (opt = r.option()); ) {
    switch (opt.name) {
      case "--output": case "-o": output = resolve(r.value(opt)); break;
      case "--ovf10": break;
      case "--legacy09": case "--ovf09": case "--ovf20": case "--opc10": case "--iso": case "-I": case "--cloud": throw notImplemented(`export ${opt.name} (only OVF 1.0)`);
      case "--manifest": manifest = true; break;
      case "--options": {
        for (const o of r.value(opt).split(",")) {
          if (o === "manifest") manifest = true;
          else if (o !== "nomacs" && o !== "nomacsbutnat") throw notImplemented(`export --options ${o}`);
        }
        break;
      }
      case "--vsys": integer(opt, r.value(opt), 0, 0); break;
      case "--vmname": vsysName = r.value(opt); break;
      case "--product": product.product = r.value(opt); break;
      case "--producturl": product.productUrl = r.value(opt); break;
      case "--vendor": product.vendor = r.value(opt); break;
      case "--vendorurl": product.vendorUrl = r.value(opt); break;
      case "--version": product.version = r.value(opt); break;
      case "--description": description = r.value(opt); break;
      case "--eula": eula = r.value(opt); break;
      case "--eulafile": eula = readFileSync(resolve(r.value(opt)), "utf8"); break;
      default: throw r.unknown(opt);
    }
  }
  if (!r.done) throw notImplemented(`export of more than one machine (${r.peek()})`);
  if (!output) throw new VBoxManageError("export: parameter --output is required");
  const ext = extname(output).toLowerCase();
  if (ext !== ".ovf" && ext !== ".ova") throw new VBoxManageError(`Appliance file must have .ovf or .ova extension (${output})`);
  if (existsSync(output)) throw new VBoxManageError(`Appliance file '${output}' already exists`, "code VBOX_E_FILE_ERROR (0x80bb0004), component ApplianceWrap, interface IAppliance");
  const rm = findMachine(loadGlobal(), key);
  assertNotRunning(rm);

  const outDir = dirname(output);
  const base = basename(output, extname(output));
  const work = ext === ".ova" ? mkdtempSync(join(outDir, `.${base}-export-`)) : outDir;
  const written: string[] = [];
  try {
    const appliance = await describe(rm.machine, vsysName ?? rm.machine.name, base, work, written);
    Object.assign(appliance.system, { product, description, eula });
    const ovfName = `${base}.ovf`;
    writeFileSync(join(work, ovfName), writeOvf(appliance));
    written.unshift(ovfName);
    const files = [ovfName];
    if (manifest) {
      writeFileSync(join(work, `${base}.mf`), await manifestFor(work, written));
      files.push(`${base}.mf`);
      written.push(`${base}.mf`);
    }
    files.push(...appliance.files.map((f) => f.href));
    if (ext === ".ova") await createTar({ file: output, cwd: work, portable: true }, files);
  } catch (e) {
    if (ext === ".ovf") for (const f of written) rmSync(join(outDir, f), { force: true });
    throw e;
  } finally {
    if (ext === ".ova") rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\nSuccessfully exported 1 machine(s).\n`);
}

/** The machine as an OVF appliance, converting its hard disks into `dir` (their names pushed on `written`). */
async function describe(m: Machine, systemId: string, base: string, dir: string, written: string[]): Promise<OvfAppliance> {
  const a: OvfAppliance = {
    files: [],
    disks: [],
    system: { id: systemId, osType: m.osType, osCimId: osType(m.osType).ovfId, cpus: m.cpus, memoryMB: m.memoryMB, product: {}, controllers: [], drives: [], nics: [] },
  };
  let nextId = 3;
  const perBus = new Map<string, number>();
  for (const c of m.controllers) {
    if (c.bus === "usb") continue;
    // OVF has no floppy controller item: the drive stands alone.
    const items: OvfController[] = [];
    if (c.bus === "ide") {
      for (const address of [0, 1]) items.push({ instanceId: String(nextId++), bus: "ide", type: c.type, address });
    } else if (c.bus !== "floppy") {
      const address = perBus.get(c.bus) ?? 0;
      perBus.set(c.bus, address + 1);
      items.push({ instanceId: String(nextId++), bus: c.bus, type: c.type, address });
    }
    a.system.controllers.push(...items);
    for (const at of [...c.attachments].sort((x, y) => x.port - y.port || x.device - y.device)) {
      const parent = c.bus === "ide" ? items[at.port]! : items[0];
      const drive: OvfDrive = { instanceId: "", type: at.type, parent: parent?.instanceId ?? "", addressOnParent: c.bus === "ide" ? at.device : at.port };
      if (at.type === "hdd" && at.medium) {
        const n = a.disks.length + 1;
        const href = `${base}-disk${String(n).padStart(3, "0")}.vmdk`;
        written.push(href);
        await convertDisk(at.medium, join(dir, href), "VMDK", { streamOptimized: true });
        a.files.push({ id: `file${n}`, href, size: statSync(join(dir, href)).size });
        a.disks.push({ diskId: `vmdisk${n}`, fileRef: `file${n}`, capacity: (await diskInfo(at.medium)).virtualSize, format: STREAM_OPTIMIZED });
        drive.diskId = `vmdisk${n}`;
      } else if (at.type === "hdd") continue;
      a.system.drives.push(drive);
    }
  }
  m.nics.forEach((nic) => {
    if (nic.mode === "nat") a.system.nics.push({ instanceId: "", type: nic.type, connection: "NAT" });
  });
  // Instance ids after the controllers, in the order VirtualBox lists items: NICs, then drives.
  for (const n of a.system.nics) n.instanceId = String(nextId++);
  for (const d of a.system.drives) d.instanceId = String(nextId++);
  return a;
}
