/**
 * `modifyvm VM --flag value ...`: the flags packer's virtualbox builders and common templates
 * use, in VirtualBox 7's spelling and the older one. Flags whose effect QEMU cannot show (clipboard,
 * drag and drop, paravirtualisation provider, CPU tuning, ...) are recorded and printed back by
 * showvminfo; every other unknown flag is refused.
 */
import { integer, oneOf, onOff, type ArgReader, type OptionToken } from "./args.js";
import { assertNotRunning } from "./cmd-machines.js";
import { notImplemented, VBoxManageError } from "./errors.js";
import { newNic, type BootDevice, type Machine, type NicType } from "./machine.js";
import { addNatRule, deleteNatRule, parseNatRule } from "./nat-rules.js";
import { osType } from "./ostypes.js";
import { findMachine, loadGlobal, saveMachine } from "./store.js";

/** Recorded-only flags, VirtualBox 7 name first, then the older spellings. */
const RECORDED: string[][] = [
  ["--clipboard-mode", "--clipboard"],
  ["--drag-and-drop", "--draganddrop"],
  ["--paravirt-provider", "--paravirtprovider"],
  ["--hwvirtex"],
  ["--nested-paging", "--nestedpaging"],
  ["--large-pages", "--largepages"],
  ["--vtx-vpid", "--vtxvpid"],
  ["--vtx-ux", "--vtxux"],
  ["--x2apic"],
  ["--bios-boot-menu", "--biosbootmenu"],
  ["--accelerate-3d", "--accelerate3d"],
  ["--mouse"],
  ["--keyboard"],
  ["--monitor-count", "--monitorcount"],
  ["--cpu-execution-cap", "--cpuexecutioncap"],
  ["--page-fusion", "--pagefusion"],
  ["--triple-fault-reset", "--triplefaultreset"],
  ["--cpu-hotplug", "--cpuhotplug"],
  ["--vrde-multi-con", "--vrdemulticon"],
  ["--vrde-reuse-con", "--vrdereusecon"],
  ["--vm-process-priority"],
];

const recordedName = new Map(RECORDED.flatMap((names) => names.map((n) => [n, names[0]!] as const)));

const BOOT: readonly BootDevice[] = ["none", "floppy", "dvd", "disk", "net"];
const NIC_TYPES: readonly NicType[] = ["Am79C970A", "Am79C973", "82540EM", "82543GC", "82545EM", "virtio"];

export async function modifyvm(r: ArgReader): Promise<void> {
  const g = loadGlobal();
  const rm = findMachine(g, r.positional("a VM name or UUID"));
  assertNotRunning(rm);
  const m = rm.machine;
  if (r.done) throw new VBoxManageError("modifyvm: no settings given");
  for (let opt; (opt = r.option()); ) applyFlag(m, opt, r);
  if (!r.done) throw notImplemented(`modifyvm: unexpected argument '${r.peek()}'`);
  saveMachine(rm.settingsFile, m);
}

function applyFlag(m: Machine, opt: OptionToken, r: ArgReader): void {
  const v = () => r.value(opt);
  const recorded = recordedName.get(opt.name);
  if (recorded) {
    m.recorded[recorded] = v();
    return;
  }
  const indexed = /^--(nic|nic-type|nictype|cable-connected|cableconnected|mac-address|macaddress|nat-pf|natpf|uart|nat-localhostreachable|natdnshostresolver|natdnsproxy|nat-dns-host-resolver|nat-dns-proxy)(\d)$/.exec(opt.name);
  if (indexed) return applyNicFlag(m, opt, indexed[1]!, Number(indexed[2]), r);
  switch (opt.name) {
    case "--ostype": case "--os-type": m.osType = osType(v()).id; return;
    case "--description": m.description = v(); return;
    case "--groups": m.groups = v().split(","); return;
    case "--memory": m.memoryMB = integer(opt, v(), 4, 2097152); return;
    case "--cpus": m.cpus = integer(opt, v(), 1, 64); return;
    case "--vram": m.vramMB = integer(opt, v(), 0, 256); return;
    case "--boot1": case "--boot2": case "--boot3": case "--boot4":
      m.boot[Number(opt.name.slice(-1)) - 1] = oneOf(opt, v(), BOOT);
      return;
    case "--firmware": {
      const f = oneOf(opt, v(), ["bios", "efi", "efi32", "efi64"] as const, ["bios", "efi", "efi64"] as const);
      m.firmware = f === "bios" ? "BIOS" : "EFI";
      return;
    }
    case "--chipset": m.chipset = oneOf(opt, v(), ["piix3", "ich9"] as const); return;
    case "--ioapic": m.ioapic = onOff(opt, v()); return;
    case "--pae": m.pae = onOff(opt, v()); return;
    case "--long-mode": case "--longmode": m.longMode = onOff(opt, v()); return;
    case "--acpi": m.acpi = onOff(opt, v()); return;
    case "--hpet": m.hpet = onOff(opt, v()); return;
    case "--rtc-use-utc": case "--rtcuseutc": m.rtcUseUtc = onOff(opt, v()); return;
    case "--nested-hw-virt": case "--nestedhwvirt": m.nestedHwVirt = onOff(opt, v()); return;
    case "--graphicscontroller": case "--graphics-controller": m.graphicsController = oneOf(opt, v(), ["none", "vboxvga", "vmsvga", "vboxsvga"] as const); return;
    case "--audio": {
      // VirtualBox 7 keeps the old --audio: "none" disables audio, anything else picks the driver.
      const d = oneOf(opt, v(), ["none", "null", "default", "pulse", "alsa", "oss", "coreaudio", "dsound"] as const);
      m.audio.enabled = d !== "none";
      if (d !== "none") m.audio.driver = d;
      return;
    }
    case "--audio-driver": m.audio.driver = oneOf(opt, v(), ["none", "null", "default", "pulse", "alsa", "oss", "coreaudio", "dsound"] as const); return;
    case "--audio-enabled": m.audio.enabled = onOff(opt, v()); return;
    case "--audio-in": case "--audioin": m.audio.in = onOff(opt, v()); return;
    case "--audio-out": case "--audioout": m.audio.out = onOff(opt, v()); return;
    case "--audio-controller": case "--audiocontroller": m.audio.controller = oneOf(opt, v(), ["ac97", "hda", "sb16"] as const); return;
    case "--usb": case "--usbohci": case "--usb-ohci": m.usb.ohci = onOff(opt, v()); return;
    case "--usbehci": case "--usb-ehci": m.usb.ehci = onOff(opt, v()); return;
    case "--usbxhci": case "--usb-xhci": m.usb.xhci = onOff(opt, v()); return;
    case "--vrde": m.vrde.enabled = onOff(opt, v()); return;
    case "--vrde-address": case "--vrdeaddress": m.vrde.address = v(); return;
    case "--vrde-port": case "--vrdeport": m.vrde.ports = v(); return;
    case "--vrde-auth-type": case "--vrdeauthtype": m.vrde.authType = oneOf(opt, v(), ["null", "external", "guest"] as const); return;
    default: throw r.unknown(opt);
  }
}

function applyNicFlag(m: Machine, opt: OptionToken, flag: string, n: number, r: ArgReader): void {
  if (n < 1 || n > 8) throw new VBoxManageError(`Invalid NIC number ${n} in ${opt.name} (1..8)`);
  const nic = m.nics[n - 1]!;
  switch (flag) {
    case "nic": {
      const mode = oneOf(opt, r.value(opt), ["none", "null", "nat", "bridged", "intnet", "hostonly", "hostonlynet", "natnetwork", "generic", "cloud"] as const, ["none", "null", "nat"] as const);
      if (nic.mode === "none" && mode !== "none") Object.assign(nic, { ...newNic(mode), type: nic.type, mac: nic.mac });
      nic.mode = mode;
      return;
    }
    case "nictype": case "nic-type": nic.type = oneOf(opt, r.value(opt), NIC_TYPES); return;
    case "cableconnected": case "cable-connected": nic.cableConnected = onOff(opt, r.value(opt)); return;
    case "macaddress": case "mac-address": {
      const mac = r.value(opt);
      if (mac === "auto") nic.mac = newNic("nat").mac;
      else if (/^[0-9a-fA-F]{12}$/.test(mac)) nic.mac = mac.toUpperCase();
      else throw new VBoxManageError(`Invalid MAC address '${mac}' (12 hex digits or auto)`);
      return;
    }
    case "natpf": case "nat-pf": {
      const spec = r.value(opt);
      if (spec === "delete") deleteNatRule(nic, r.positional("the name of the rule to delete"));
      else addNatRule(nic, parseNatRule(spec));
      return;
    }
    case "uart": {
      const mode = r.value(opt);
      if (mode !== "off") throw notImplemented(`${opt.name} ${mode} (serial ports other than off)`);
      m.recorded[opt.name] = mode;
      return;
    }
    default:
      // NAT engine tuning (DNS proxy, host resolver, localhost reachable): recorded.
      m.recorded[`--${flag}${n}`] = r.value(opt);
  }
}
