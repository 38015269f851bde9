import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { readBootConfig, type BootConfig } from "../vm-config/boot.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";
import { readFloppyCdConfig, type FloppyCdConfig } from "../vm-config/floppy-cd.js";
import { readHttpServerConfig, type HttpServerConfig } from "../vm-config/http-server.js";
import { readIsoConfig, type IsoConfig } from "../vm-config/iso.js";
import { readOutputDirectory } from "../vm-config/output-dir.js";
import { readShutdownConfig, type ShutdownConfig } from "../vm-config/shutdown.js";

/** Packer's `qemu` builder configuration (every key of Packer 1.6.6). */
export interface Config {
  iso: IsoConfig;
  http: HttpServerConfig;
  boot: BootConfig;
  shutdown: ShutdownConfig;
  media: FloppyCdConfig;
  communicator: CommunicatorConfig;
  isoSkipCache: boolean;
  accelerator: string;
  additionalDiskSizes: string[];
  cpus: number;
  diskInterface: string;
  /** With unit, e.g. "40960M". */
  diskSize: string;
  skipResizeDisk: boolean;
  diskCache: string;
  diskDiscard: string;
  diskDetectZeroes: string;
  skipCompaction: boolean;
  diskCompression: boolean;
  format: "qcow2" | "raw";
  headless: boolean;
  diskImage: boolean;
  useBackingFile: boolean;
  machineType: string;
  memoryMb: number;
  netDevice: string;
  netBridge?: string;
  outputDirectory: string;
  /** Raw templates: rendered when the VM starts (`{{ .HTTPIP }}`, `{{ .Name }}`…). */
  qemuArgs: string[][];
  qemuImgArgs: { convert: string[]; create: string[]; resize: string[] };
  qemuBinary: string;
  qmpEnable: boolean;
  qmpSocketPath?: string;
  useDefaultDisplay: boolean;
  display?: string;
  vncBindAddress: string;
  vncUsePassword: boolean;
  vncPortMin: number;
  vncPortMax: number;
  sshHostPortMin: number;
  sshHostPortMax: number;
  skipNatMapping: boolean;
  vmName: string;
  cdromInterface?: string;
}

const ACCELERATORS = ["kvm", "tcg", "xen", "hax", "hvf", "whpx", "none"];
const DISK_INTERFACES = ["ide", "scsi", "virtio", "virtio-scsi"];
const DISK_CACHES = ["writethrough", "writeback", "none", "unsafe", "directsync"];
const DISK_DISCARDS = ["unmap", "ignore"];
const DETECT_ZEROES = ["unmap", "on", "off"];

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "qemu",
  needs: ["qemu"],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder", interpolation: ctx.interpolation, renderLater: ["boot_command", "qemuargs"] });
    const buildName = ctx.interpolation.buildName ?? "qemu";
    // Same order of checks as Packer, so the error list reads the same.
    const shutdown = readShutdownConfig(r);
    let diskSize = r.string("disk_size", "");
    if (diskSize === "" || diskSize === "0") diskSize = "40960M";
    else if (!/^\d+[bkmgt]?$/.test(diskSize.toLowerCase())) r.problem("disk_size", "Invalid disk size.");
    else if (/^\d+$/.test(diskSize)) diskSize = `${diskSize}M`;
    const diskCache = r.string("disk_cache", "writeback");
    const diskDiscard = r.string("disk_discard", "ignore");
    const diskDetectZeroes = r.string("disk_detect_zeroes", "off");
    const accelerator = r.string("accelerator", "") || "auto";
    const machineType = r.string("machine_type", "pc");
    const outputDirectory = readOutputDirectory(r, ctx.cwd, buildName, r.bool("packer_force"));
    const qemuBinary = r.string("qemu_binary", "qemu-system-x86_64");
    const memory = r.int("memory", 0);
    const cpus = r.int("cpus", 0);
    const vncBindAddress = r.string("vnc_bind_address", "127.0.0.1");
    const vncPortMin = r.int("vnc_port_min", 0) || 5900;
    const vncPortMax = r.int("vnc_port_max", 0) || 6000;
    const vmName = r.string("vm_name", "") || `packer-${buildName}`;
    const format = r.string("format", "qcow2");
    const media = readFloppyCdConfig(r, ctx.cwd, { cd: true });
    // VNCConfig.Prepare: VNC must be on for a boot command, whose waits must be positive.
    const boot = readBootConfig(r, { vnc: true });
    const vncUsePassword = r.bool("vnc_use_password");
    const netDevice = r.string("net_device", "virtio-net");
    const diskInterface = r.string("disk_interface", "virtio");
    const isoSkipCache = r.bool("iso_skip_cache");
    const iso = readIsoConfig(r, ctx.cwd, { skipCache: isoSkipCache, warn: ctx.warn });
    const http = readHttpServerConfig(r);
    const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd });
    const diskImage = r.bool("disk_image");
    const useBackingFile = r.bool("use_backing_file");
    const additionalDiskSizes = r.stringList("disk_additional_size");
    const skipResizeDisk = r.bool("skip_resize_disk");
    let skipCompaction = r.bool("skip_compaction");
    let diskCompression = r.bool("disk_compression");
    const netBridge = r.string("net_bridge") || undefined;
    let qmpEnable = r.bool("qmp_enable");
    let qmpSocketPath = r.string("qmp_socket_path") || undefined;
    const imgArgs = r.value("qemu_img_args");
    const qemuImgArgs = readQemuImgArgs(r, imgArgs);

    if (format !== "qcow2" && format !== "raw") r.problem("format", "invalid format, only 'qcow2' or 'raw' are allowed");
    if (format !== "qcow2") {
      skipCompaction = true;
      diskCompression = false;
    }
    if (useBackingFile) {
      skipCompaction = true;
      if (!(diskImage && format === "qcow2")) {
        r.problem("use_backing_file", "use_backing_file can only be enabled for QCOW2 images and when disk_image is true");
      }
    }
    if (diskImage && additionalDiskSizes.length > 0) r.problem("disk_additional_size", "disk_additional_size can only be used when disk_image is false");
    if (skipResizeDisk && !diskImage) r.problem("skip_resize_disk", "skip_resize_disk can only be used when disk_image is true");
    if (accelerator !== "auto" && !ACCELERATORS.includes(accelerator)) {
      r.problem("accelerator", "invalid accelerator, only 'kvm', 'tcg', 'xen', 'hax', 'hvf', 'whpx', or 'none' are allowed");
    }
    if (!DISK_INTERFACES.includes(diskInterface)) r.problem("disk_interface", "unrecognized disk interface type");
    if (!DISK_CACHES.includes(diskCache)) r.problem("disk_cache", "unrecognized disk cache type");
    if (!DISK_DISCARDS.includes(diskDiscard)) r.problem("disk_discard", "unrecognized disk discard type");
    if (!DETECT_ZEROES.includes(diskDetectZeroes)) r.problem("disk_detect_zeroes", "unrecognized disk detect zeroes setting");
    if (vncPortMin > vncPortMax) r.problem("vnc_port_min", "vnc_port_min must be less than vnc_port_max");
    if (netBridge && process.platform !== "linux") r.problem("net_bridge", "net_bridge is only supported in Linux based OSes");
    if (netBridge || vncUsePassword) qmpEnable = true;
    if (qmpEnable && !qmpSocketPath) qmpSocketPath = `${outputDirectory}/${vmName}.monitor`;

    // Packer's CommConfig warns about the old names (and they win when set).
    for (const old of ["ssh_host_port_min", "ssh_host_port_max"]) {
      const now = old.slice("ssh_".length);
      if (r.int(old, 0) !== 0) ctx.warn?.(`${old} is deprecated and is being replaced by ${now}. Please, update your template to use ${now}. In future versions of Packer, inclusion of ${old} will error your builds.`);
    }
    // Both spellings read (a key never read is "unknown"); the ssh_ one wins when both are set.
    const [sshPortMin, portMin] = [r.int("ssh_host_port_min", 0), r.int("host_port_min", 0)];
    const [sshPortMax, portMax] = [r.int("ssh_host_port_max", 0), r.int("host_port_max", 0)];
    const sshHostPortMin = sshPortMin || portMin || 2222;
    const sshHostPortMax = sshPortMax || portMax || 4444;
    if (sshHostPortMin > sshHostPortMax) r.problem("host_port_min", "host_port_min must be less than host_port_max");
    const config: Config = {
      iso, http, boot, shutdown, media, communicator, isoSkipCache,
      // "auto": the agent picks kvm when /dev/kvm opens, else tcg (Packer does this while validating).
      accelerator,
      additionalDiskSizes,
      cpus: cpus < 1 ? 1 : cpus,
      diskInterface, diskSize, skipResizeDisk, diskCache, diskDiscard, diskDetectZeroes, skipCompaction, diskCompression,
      format: format === "raw" ? "raw" : "qcow2",
      headless: r.bool("headless"),
      diskImage, useBackingFile, machineType,
      memoryMb: memory < 10 ? 512 : memory,
      netDevice, netBridge, outputDirectory,
      qemuArgs: r.stringListList("qemuargs"),
      qemuImgArgs, qemuBinary, qmpEnable, qmpSocketPath,
      useDefaultDisplay: r.bool("use_default_display"),
      display: r.string("display") || undefined,
      vncBindAddress, vncUsePassword, vncPortMin, vncPortMax, sshHostPortMin, sshHostPortMax,
      skipNatMapping: r.bool("skip_nat_mapping"),
      vmName,
      cdromInterface: r.string("cdrom_interface") || undefined,
    };
    r.accept("run_once");
    r.finish();
    return config;
  },
};

function readQemuImgArgs(r: ConfigReader, v: unknown): Config["qemuImgArgs"] {
  const out = { convert: [] as string[], create: [] as string[], resize: [] as string[] };
  if (v === undefined || v === null) return out;
  if (typeof v !== "object" || Array.isArray(v)) {
    r.problem("qemu_img_args", "'qemu_img_args' expected a map with convert, create and resize lists");
    return out;
  }
  for (const [k, list] of Object.entries(v as Record<string, unknown>)) {
    if (k !== "convert" && k !== "create" && k !== "resize") {
      r.problem("qemu_img_args", `unknown configuration key: '"qemu_img_args.${k}"'`);
      continue;
    }
    out[k] = Array.isArray(list) ? list.map(String) : [];
  }
  return out;
}
