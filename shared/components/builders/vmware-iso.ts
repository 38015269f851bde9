import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { readHttpServerConfig } from "../vm-config/http-server.js";
import { readIsoConfig, type IsoConfig } from "../vm-config/iso.js";
import {
  checkRemoteExport, HEADLESS_WITHOUT_VNC_WARNING, readDiskKeys, readDriverConfig, readExportKeys, readFloppyAndCd,
  readOutputDirectoryKeys, readRunConfig, readShutdownKeys, readToolsConfig, readVmwareCommunicator, readVmxConfig, readVncBootConfig, resolveFormat,
  VMWARE_RENDER_LATER, type VmwareCommonConfig,
} from "./vmware-common.js";
import { NO_SHUTDOWN_COMMAND_WARNING } from "../vm-config/shutdown.js";
import { vmxDataCollisions } from "./vmware-vmx-template.js";

/** HWConfig: the virtual hardware of the .vmx vmware-iso writes. serial/parallel are parsed when it is written, as in Packer. */
export interface VmwareHardwareConfig {
  /** 0 = VMware's default (numvcpus left out). */
  cpus: number;
  /** MB; 0 = 512. */
  memoryMb: number;
  /** cpuid.coresPerSocket; 0 = left out. */
  cores: number;
  /** A network name of netmap.conf (nat, hostonly, bridged) or a vmnet device. */
  network: string;
  networkAdapterType: string;
  networkName: string;
  sound: boolean;
  usb: boolean;
  /** FILE:path, DEVICE:…, PIPE:…, AUTO:…, or NONE. */
  serial: string;
  parallel: string;
}

/** Packer 1.6.6's `vmware-iso` builder: every key, its defaults and checks. */
export interface Config extends VmwareCommonConfig {
  iso: IsoConfig;
  hardware: VmwareHardwareConfig;
  diskSizeMb: number;
  /** ide, sata or scsi (lower-cased); "" = the disk adapter's usual one. */
  cdromAdapterType: string;
  guestOsType: string;
  /** virtualHW.version. */
  version: string;
  /** Absolute, or "" for Packer's default template. */
  vmxTemplatePath: string;
  vmxDiskTemplatePath: string;
}

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "vmware-iso",
  needs: ["vmware"],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder", interpolation: ctx.interpolation, renderLater: VMWARE_RENDER_LATER });
    const buildName = ctx.interpolation.buildName ?? "vmware-iso";
    const warnings: string[] = [];
    const remoteTypeRaw = r.string("remote_type", "");
    const run = readRunConfig(r, remoteTypeRaw, warnings);
    const iso = readIsoConfig(r, ctx.cwd, { warn: (text) => warnings.push(text) });
    const http = readHttpServerConfig(r);
    const hardware = readHardware(r);
    const outputDirectory = readOutputDirectoryKeys(r, buildName);
    const driver = readDriverConfig(r);
    const shutdown = readShutdownKeys(r);
    const communicator = readVmwareCommunicator(r, ctx);
    const tools = readToolsConfig(r);
    const media = readFloppyAndCd(r, ctx);
    const boot = readVncBootConfig(r);
    const vmx = readVmxConfig(r);
    const exported = readExportKeys(r);
    const disk = readDiskKeys(r);

    const diskSizeMb = r.uint("disk_size", 0) || 40000;
    let skipCompaction = exported.skipCompaction;
    if (disk.typeId === "") {
      disk.typeId = "1";
      if (driver.remoteType === "esx5") {
        disk.typeId = "zeroedthick";
        skipCompaction = true;
      }
    }
    if (driver.remoteType === "esx5" && disk.typeId !== "thin" && !skipCompaction) {
      r.problem("skip_compaction", `skip_compaction must be 'true' for disk_type_id: ${disk.typeId}`);
    }
    const guestOsType = r.string("guest_os_type", "") || "other";
    const vmName = r.string("vm_name", "") || `packer-${buildName}`;
    const version = r.string("version", "") || "9";
    const vmxTemplate = r.string("vmx_template_path", "");
    const vmxTemplatePath = vmxTemplate ? resolve(ctx.cwd, vmxTemplate) : "";
    if (vmxTemplate !== "") {
      try {
        readFileSync(vmxTemplatePath);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        r.problem("vmx_template_path", `vmx_template_path is invalid: open ${vmxTemplate}: ${code === "ENOENT" ? "no such file or directory" : code === "EISDIR" ? "is a directory" : (e as Error).message}`);
      }
    } else {
      const overridden = vmxDataCollisions(vmx.vmxData, disk.adapterType, "");
      if (overridden.length > 0) {
        warnings.push(`Your vmx data contains the following variable(s), which Packer normally sets when it generates its own default vmx template. This may cause your build to fail or behave unpredictably: ${overridden.join(", ")}`);
      }
    }
    hardware.network ||= "nat";
    const { format, skipExport } = resolveFormat(exported.format, driver.remoteType, exported.skipExport);
    if (driver.remoteType === "" && run.headless && boot.disableVnc) warnings.push(HEADLESS_WITHOUT_VNC_WARNING);
    checkRemoteExport(r, driver.remoteType, skipExport);
    let cdromAdapterType = r.string("cdrom_adapter_type", "");
    if (cdromAdapterType !== "") {
      cdromAdapterType = cdromAdapterType.toLowerCase();
      if (!["ide", "sata", "scsi"].includes(cdromAdapterType)) r.problem("cdrom_adapter_type", "cdrom_adapter_type must be one of ide, sata, or scsi");
    }
    if (!shutdown.shutdownCommand) warnings.push(NO_SHUTDOWN_COMMAND_WARNING);
    const vmxDiskTemplate = r.string("vmx_disk_template_path", "");
    const config: Config = {
      http, boot, media, communicator, driver, run, outputDirectory, ...shutdown, tools,
      ...vmx,
      format, skipExport,
      ovftoolOptions: exported.ovftoolOptions,
      keepRegistered: exported.keepRegistered,
      skipCompaction,
      disk, vmName, warnings,
      iso, hardware, diskSizeMb, cdromAdapterType, guestOsType, version, vmxTemplatePath,
      vmxDiskTemplatePath: vmxDiskTemplate ? resolve(ctx.cwd, vmxDiskTemplate) : "",
    };
    for (const warning of warnings) ctx.warn?.(warning);
    r.finish();
    return config;
  },
};

/** HWConfig.Prepare: no negative counts; serial and parallel default to "none". */
function readHardware(r: ConfigReader): VmwareHardwareConfig {
  const cpus = r.int("cpus", 0);
  const memoryMb = r.int("memory", 0);
  const cores = r.int("cores", 0);
  if (cpus < 0) r.problem("cpus", `An invalid number of cpus was specified (cpus < 0): ${cpus}`);
  if (memoryMb < 0) r.problem("memory", `An invalid amount of memory was specified (memory < 0): ${memoryMb}`);
  if (cores < 0) r.problem("cores", `An invalid number of cores was specified (cores < 0): ${cores}`);
  return {
    cpus, memoryMb, cores,
    network: r.string("network", ""),
    networkAdapterType: r.string("network_adapter_type", ""),
    networkName: r.string("network_name", ""),
    sound: r.bool("sound"),
    usb: r.bool("usb"),
    serial: r.string("serial", "") || "none",
    parallel: r.string("parallel", "") || "none",
  };
}
