/** `showvminfo VM [--machinereadable]`: the machine's settings and state, in VirtualBox 7's keys. */
import { statSync } from "node:fs";
import { notImplemented } from "./errors.js";
import type { ArgReader } from "./args.js";
import { devicesPerPort, type Machine } from "./machine.js";
import { formatNatRule } from "./nat-rules.js";
import { osType } from "./ostypes.js";
import { runtimeFiles } from "./runtime-files.js";
import { machineState, readSession } from "./session.js";
import { findMachine, loadGlobal, type RegisteredMachine } from "./store.js";

type Value = string | number;

export async function showvminfo(r: ArgReader): Promise<void> {
  const key = r.positional("a VM name or UUID");
  let machineReadable = false;
  for (let opt; (opt = r.option()); ) {
    if (opt.name === "--machinereadable" || opt.name === "--machine-readable") machineReadable = true;
    else if (opt.name === "--details") continue;
    else throw notImplemented(`showvminfo ${opt.name}`);
  }
  if (!r.done) throw notImplemented(`showvminfo: unexpected argument '${r.peek()}'`);
  const rm = findMachine(loadGlobal(), key);
  const info = machineInfo(rm);
  const lines = machineReadable
    ? info.map(([k, v]) => `${/^[A-Za-z0-9_()-]+$/.test(k) || k.startsWith('"') ? k : `"${k}"`}=${typeof v === "number" ? v : `"${v}"`}`)
    : info.map(([k, v]) => `${`${k.replaceAll('"', "")}:`.padEnd(34)}${v}`);
  process.stdout.write(lines.join("\n") + "\n");
}

const onoff = (b: boolean) => (b ? "on" : "off");

/** Key/value pairs in showvminfo --machinereadable's order and spelling (a key in quotes is printed quoted, as VirtualBox quotes attachment keys). */
export function machineInfo(rm: RegisteredMachine): Array<[string, Value]> {
  const m: Machine = rm.machine;
  const files = runtimeFiles(rm.folder, m.name);
  const state = machineState(files, m.uuid);
  const session = readSession(files);
  const changed = session?.exit?.at ?? session?.startedAt ?? statSync(rm.settingsFile).mtime.toISOString();
  const out: Array<[string, Value]> = [
    ["name", m.name],
    ["Encryption", "disabled"],
    ["groups", m.groups.join(",")],
    ["ostype", osType(m.osType).description],
    ["UUID", m.uuid],
    ["CfgFile", rm.settingsFile],
    ["SnapFldr", `${rm.folder}/Snapshots`],
    ["LogFldr", files.logs],
    ["memory", m.memoryMB],
    ["vram", m.vramMB],
    ["cpus", m.cpus],
    ["pae", onoff(m.pae)],
    ["longmode", onoff(m.longMode)],
    ["hpet", onoff(m.hpet)],
    ["chipset", m.chipset],
    ["firmware", m.firmware],
    ["boot1", m.boot[0]],
    ["boot2", m.boot[1]],
    ["boot3", m.boot[2]],
    ["boot4", m.boot[3]],
    ["acpi", onoff(m.acpi)],
    ["ioapic", onoff(m.ioapic)],
    ["rtcuseutc", onoff(m.rtcUseUtc)],
    ["nested-hw-virt", onoff(m.nestedHwVirt)],
    ["VMState", state],
    ["VMStateChangeTime", changed],
    ["graphicscontroller", m.graphicsController],
    ["monitorcount", 1],
  ];
  m.controllers.forEach((c, i) => {
    out.push([`storagecontrollername${i}`, c.name], [`storagecontrollertype${i}`, c.type], [`storagecontrollerinstance${i}`, "0"],
      [`storagecontrollermaxportcount${i}`, String(c.portCount)], [`storagecontrollerportcount${i}`, String(c.portCount)], [`storagecontrollerbootable${i}`, onoff(c.bootable)]);
  });
  for (const c of m.controllers) {
    const ports = c.bus === "sata" || c.bus === "pcie" || c.bus === "virtio" || c.bus === "sas" ? Math.max(0, ...c.attachments.map((a) => a.port + 1)) : c.portCount;
    for (let p = 0; p < ports; p++) {
      for (let d = 0; d < devicesPerPort(c.bus); d++) {
        const a = c.attachments.find((x) => x.port === p && x.device === d);
        out.push([`"${c.name}-${p}-${d}"`, a ? a.medium ?? "emptydrive" : "none"]);
        if (a?.type === "dvddrive") out.push([`"${c.name}-IsEjected-${p}-${d}"`, a.medium ? "off" : "on"]);
        if (a?.type === "hdd") out.push([`"${c.name}-nonrotational-${p}-${d}"`, onoff(a.nonrotational)], [`"${c.name}-discard-${p}-${d}"`, onoff(a.discard)]);
      }
    }
  }
  m.nics.forEach((nic, i) => {
    const n = i + 1;
    if (nic.mode === "nat") out.push([`natnet${n}`, "nat"]);
    out.push([`nic${n}`, nic.mode]);
    if (nic.mode === "none") return;
    out.push([`macaddress${n}`, nic.mac], [`cableconnected${n}`, onoff(nic.cableConnected)], [`nictype${n}`, nic.type], [`nicspeed${n}`, "0"]);
    nic.rules.forEach((rule, j) => out.push([`Forwarding(${j})`, formatNatRule(rule)]));
  });
  out.push(
    ["hidpointing", "ps2mouse"], ["hidkeyboard", "ps2kbd"], ["uart1", "off"],
    ["audio", m.audio.enabled ? m.audio.driver : "none"], ["audio_out", onoff(m.audio.out)], ["audio_in", onoff(m.audio.in)],
    ["vrde", onoff(m.vrde.enabled)], ["vrdeport", -1], ["vrdeports", m.vrde.ports], ["vrdeaddress", m.vrde.address], ["vrdeauthtype", m.vrde.authType],
    ["usb", onoff(m.usb.ohci)], ["ehci", onoff(m.usb.ehci)], ["xhci", onoff(m.usb.xhci)],
  );
  m.sharedFolders.forEach((f, i) => out.push([`SharedFolderNameMachineMapping${i + 1}`, f.name], [`SharedFolderPathMachineMapping${i + 1}`, f.hostPath]));
  for (const [k, v] of Object.entries(m.recorded)) out.push([k.replace(/^--/, ""), v]);
  if (m.description) out.push(["description", m.description]);
  return out;
}
