/**
 * The QEMU command line of a build: Kiln's defaults (as Packer's stepRun makes them), then the
 * template's `qemuargs`. As in Packer, a flag the template gives replaces every default use of
 * that flag (e.g. its own `-netdev`), and its values are rendered with `.SSHHostPort`,
 * `.HTTPIP`, `.HTTPPort`, `.OutputDir` and `.Name`.
 */
import type { Config } from "../../../shared/components/builders/qemu.js";
import type { InterpolationContext } from "../../../shared/template/interpolate/context.js";
import { render } from "../../../shared/template/interpolate/index.js";

export interface QemuRunValues {
  accel: string;
  diskPath: string;
  sshHostPort: number;
  vncPort: number;
  qmpSocket: string;
  serialLog: string;
  outputDir: string;
  httpIp: string;
  httpPort: number;
  /** `disk_additional_size` disks. */
  additionalDiskPaths: readonly string[];
  /** The installer ISO (ISO builds), then the cd_files ISO: attached as CD-ROMs in that order. */
  cdPaths: readonly string[];
  floppyPath?: string;
}

export function qemuArgs(config: Config, v: QemuRunValues, interpolation: InterpolationContext): string[] {
  const defaults: string[][] = [
    ["-name", config.vmName],
    ["-machine", `type=${config.machineType},accel=${v.accel}`],
    ["-smp", `cpus=${config.cpus},sockets=${config.cpus}`],
    ["-m", `${config.memoryMb}M`],
    // Loopback only: Packer 1.6.6 forwards on every interface, exposing the guest's sshd.
    ["-netdev", `user,id=user.0,hostfwd=tcp:127.0.0.1:${v.sshHostPort}-:22`],
    ["-device", `${config.netDevice},netdev=user.0`],
    ...[v.diskPath, ...v.additionalDiskPaths].map((file) => [
      "-drive", `file=${file},if=${config.diskInterface},cache=${config.diskCache},discard=${config.diskDiscard},detect-zeroes=${config.diskDetectZeroes},format=${config.format}`,
    ]),
    // On the disks' own interface (ide), CD-ROMs take the indexes after the disks.
    ...cdromArgs(config.cdromInterface, v.cdPaths, config.cdromInterface === config.diskInterface ? 1 + v.additionalDiskPaths.length : 0),
    ...(v.floppyPath ? [["-fda", v.floppyPath]] : []),
    // As Packer: an ISO build boots its CD once (the installed disk boots after a reboot).
    ["-boot", config.diskImage ? "c" : "once=d"],
    ["-vnc", `${config.vncBindAddress}:${v.vncPort - 5900}`],
    ["-qmp", `unix:${v.qmpSocket},server=on,wait=off`],
    ["-serial", `file:${v.serialLog}`],
  ];
  if (config.display) defaults.push(["-display", config.display]);
  else if (config.headless || !config.useDefaultDisplay) defaults.push(["-display", "none"]);
  const data = { SSHHostPort: v.sshHostPort, HTTPIP: v.httpIp, HTTPPort: v.httpPort, OutputDir: v.outputDir, Name: config.vmName };
  const user = config.qemuArgs.map((group) => group.map((a) => render(a, { ...interpolation, data })));
  const overridden = new Set(user.map((g) => g[0]));
  return [...defaults.filter((g) => !overridden.has(g[0])), ...user].flat();
}

/**
 * Packer's CD-ROM attachment: without `cdrom_interface` the first CD is `-cdrom` (IDE secondary
 * master) and the others plain IDE CD-ROMs; with it, each on that interface (virtio-scsi through
 * one controller).
 */
function cdromArgs(cdromInterface: string | undefined, cdPaths: readonly string[], firstIndex: number): string[][] {
  const args: string[][] = [];
  if (cdromInterface === "virtio-scsi" && cdPaths.length > 0) args.push(["-device", "virtio-scsi-pci,id=cdscsi"]);
  cdPaths.forEach((file, i) => {
    if (!cdromInterface) args.push(i === 0 ? ["-cdrom", file] : ["-drive", `file=${file},media=cdrom,readonly=on`]);
    else if (cdromInterface === "virtio-scsi") args.push(["-drive", `file=${file},if=none,id=cdrom${i},media=cdrom,readonly=on`], ["-device", `scsi-cd,bus=cdscsi.0,drive=cdrom${i}`]);
    else args.push(["-drive", `file=${file},if=${cdromInterface},index=${firstIndex + i},id=cdrom${i},media=cdrom`]);
  });
  return args;
}
