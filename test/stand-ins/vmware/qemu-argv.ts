/**
 * The QEMU command line that plays a VMware VM: i440fx PC (VMware's 440BX chipset's nearest
 * relative) with its PIIX IDE, VMware's SVGA, no default devices besides what the .vmx lists.
 * Device mapping: lsilogic -> lsi53c895a (QEMU has no LSI53C1030), lsisas1068 -> mptsas1068,
 * pvscsi -> pvscsi, sata -> ich9-ahci, nvme -> nvme + nvme-ns, e1000/e1000e/vmxnet3 -> the QEMU
 * devices of those names; buslogic only if this QEMU has it (Debian's does not).
 */
import type { DriveSpec, MachineSpec, NicSpec } from "./machine-spec.js";
import type { NatPlan } from "./host-network.js";

export interface QemuRuntime {
  qmpSocket: string;
  pidFile: string;
  /** tcg here (see notes/vm-lab.md); kvm where it works. */
  accelerator: string;
  /** Extra serial port for the stand-in's debugging, not part of the VM (KILN_VMWARE_STAND_IN_CONSOLE). */
  consoleLog?: string;
}

/** The tag QEMU processes of the stand-in carry in their -name, to tell them from anyone else's. */
export const PROCESS_TAG = "kiln-vmware-stand-in";

function controllerId(d: Pick<DriveSpec, "bus" | "controller">): string {
  return `${d.bus}${d.controller}`;
}

export function qemuArgv(spec: MachineSpec, nets: ReadonlyMap<number, NatPlan>, rt: QemuRuntime): string[] {
  const sockets = spec.cpus / spec.coresPerSocket;
  const args = [
    "-name", `${spec.displayName.replace(/,/g, ",,") || "vm"},process=${PROCESS_TAG}`,
    "-nodefaults", "-no-user-config",
    "-machine", `pc,accel=${rt.accelerator}`,
    "-m", `${spec.memoryMiB}M`,
    "-smp", `${spec.cpus},sockets=${sockets},cores=${spec.coresPerSocket},threads=1`,
    "-vga", "vmware",
    "-qmp", `unix:${rt.qmpSocket},server=on,wait=off`,
    "-pidfile", rt.pidFile,
    "-daemonize",
    // Paused until vmrun has set the VNC password over QMP, so nobody types into an open console.
    "-S",
  ];
  if (spec.uuidBios) args.push("-uuid", spec.uuidBios);
  args.push(...(spec.vnc ? ["-vnc", `${spec.vnc.ip}:${spec.vnc.port - 5900}${spec.vnc.password ? ",password=on" : ""}`] : ["-display", "none"]));

  for (const c of spec.scsiControllers) {
    const device = { lsilogic: "lsi53c895a", lsisas1068: "mptsas1068", pvscsi: "pvscsi", buslogic: "buslogic" }[c.model];
    args.push("-device", `${device},id=scsi${c.index}`);
  }
  for (const i of spec.sataControllers) args.push("-device", `ich9-ahci,id=sata${i}`);
  for (const i of spec.nvmeControllers) args.push("-device", `nvme,id=nvme${i},serial=VMware-NVME-${i}`);
  if (spec.usb) args.push("-device", "piix3-usb-uhci,id=usb");
  if (spec.ehci) args.push("-device", "usb-ehci,id=ehci");

  // SeaBIOS boots by bootindex: the .vmx's bios.bootOrder, devices of one kind in slot order.
  const bootIndex = new Map<string, number>();
  let next = 1;
  for (const kind of spec.bootOrder) {
    if (kind === "floppy") { if (spec.floppy) bootIndex.set("floppy", next++); continue; }
    for (const d of spec.drives) if ((kind === "hdd") === (d.media === "disk")) bootIndex.set(d.slot, next++);
  }
  const boot = (key: string): string => (bootIndex.has(key) ? `,bootindex=${bootIndex.get(key)}` : "");

  spec.drives.forEach((d, n) => {
    const id = `drive${n}`;
    const cd = d.media === "cdrom";
    const media = d.file ? `,file=${d.file.replace(/,/g, ",,")},format=${cd ? "raw" : "vmdk"}${cd ? ",readonly=on" : ""}` : "";
    args.push("-drive", `if=none,id=${id}${cd ? ",media=cdrom" : ""}${media}`);
    const ctl = controllerId(d);
    if (d.bus === "ide") args.push("-device", `${cd ? "ide-cd" : "ide-hd"},drive=${id},bus=ide.${d.controller},unit=${d.unit}${boot(d.slot)}`);
    else if (d.bus === "sata") args.push("-device", `${cd ? "ide-cd" : "ide-hd"},drive=${id},bus=${ctl}.${d.unit}${boot(d.slot)}`);
    else if (d.bus === "scsi") args.push("-device", `${cd ? "scsi-cd" : "scsi-hd"},drive=${id},bus=${ctl}.0,scsi-id=${d.unit}${boot(d.slot)}`);
    else args.push("-device", `nvme-ns,drive=${id},bus=${ctl},nsid=${d.unit + 1}${boot(d.slot)}`);
  });
  if (spec.floppy) {
    args.push("-drive", `if=floppy,index=0,format=raw,file=${spec.floppy.replace(/,/g, ",,")}`);
    if (bootIndex.has("floppy")) args.push("-global", `isa-fdc.bootindexA=${bootIndex.get("floppy")}`);
  }

  for (const nic of spec.nics) args.push(...nicArgs(nic, nets.get(nic.index)!));
  for (const file of spec.serialFiles) args.push("-serial", `file:${file}`);
  if (rt.consoleLog) args.push("-serial", `file:${rt.consoleLog}`);
  return args;
}

function nicArgs(nic: NicSpec, net: NatPlan): string[] {
  const forwards = net.forwards.map((f) => `,hostfwd=${f.protocol}:127.0.0.1:${f.hostPort}-${f.guestIp}:${f.guestPort}`).join("");
  return [
    "-netdev", `user,id=net${nic.index},net=${net.subnet}/${net.prefixLength},host=${net.hostIp},dhcpstart=${net.guestIp}${forwards}`,
    "-device", `${nic.model},netdev=net${nic.index},mac=${nic.mac}`,
  ];
}
