/**
 * What Packer 1.6.6's vmware-iso and vmware-vmx share (builder/vmware/common): the driver (local
 * Workstation/Player, or the remote ESXi keys, checked but not run by Kiln), run (headless, VNC),
 * output, tools, vmx_data, export and disks, with the SDK's HTTP, floppy, CD, VNC boot, shutdown
 * and communicator configs. Each reader applies Packer's defaults and checks, with its messages.
 */
import { resolve } from "node:path";
import type { ConfigReader } from "../config-reader.js";
import { goStatError } from "../go-stat-error.js";
import type { PrepareContext } from "../types.js";
import { readBootConfig, type BootConfig } from "../vm-config/boot.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";
import { readFloppyCdConfig, type FloppyCdConfig } from "../vm-config/floppy-cd.js";
import type { HttpServerConfig } from "../vm-config/http-server.js";

/** Keys whose templates are rendered at run time, as Packer's InterpolateFilter excludes them. */
export const VMWARE_RENDER_LATER = ["boot_command", "tools_upload_path"];

export type VmwareExportFormat = "ova" | "ovf" | "vmx";

/** DriverConfig: Kiln drives local Workstation/Player only; the ESXi keys are read to validate as Packer does. */
export interface VmwareDriverConfig {
  /** "" for a local build; "esx5" is valid for Packer and refused when Kiln builds. */
  remoteType: string;
  remoteHost: string;
  remotePort: number;
  remoteUser: string;
  remoteDatastore: string;
  remoteCacheDatastore: string;
  remoteCacheDirectory: string;
  cleanupRemoteCache: boolean;
  skipValidateCredentials: boolean;
}

export interface VmwareRunConfig {
  headless: boolean;
  vncBindAddress: string;
  vncPortMin: number;
  vncPortMax: number;
  vncDisablePassword: boolean;
  vncOverWebsocket: boolean;
}

export interface VmwareToolsConfig {
  /** darwin, linux, windows…: the ISO of that name is uploaded; "" = none. */
  uploadFlavor: string;
  /** Raw template (`{{ .Flavor }}`), rendered at upload. */
  uploadPath: string;
  /** Overrides VMware's own ISO for the flavor. */
  sourcePath: string;
}

export interface VmwareDiskConfig {
  additionalSizesMb: number[];
  /** As written (lower-cased where Packer compares it). */
  adapterType: string;
  /** The main disk's base name (vmdk_name). */
  name: string;
  /** vmware-vdiskmanager's -t (0..5 locally). */
  typeId: string;
}

export interface VmwareCommonConfig {
  http: HttpServerConfig;
  boot: BootConfig;
  media: FloppyCdConfig;
  communicator: CommunicatorConfig;
  driver: VmwareDriverConfig;
  run: VmwareRunConfig;
  outputDirectory: string;
  shutdownCommand?: string;
  shutdownTimeoutMs: number;
  tools: VmwareToolsConfig;
  vmxData: Record<string, string>;
  vmxDataPost: Record<string, string>;
  vmxRemoveEthernet: boolean;
  displayName: string;
  format: VmwareExportFormat;
  ovftoolOptions: string[];
  skipExport: boolean;
  keepRegistered: boolean;
  skipCompaction: boolean;
  disk: VmwareDiskConfig;
  vmName: string;
  /** Packer's Prepare warnings ("A shutdown_command was not specified…"), shown when the build starts. */
  warnings: string[];
}

/** RunConfig.Prepare: VNC defaults, unless the VNC goes over ESXi's websocket. */
export function readRunConfig(r: ConfigReader, remoteType: string, warnings: string[]): VmwareRunConfig {
  const headless = r.bool("headless");
  const overWebsocket = r.bool("vnc_over_websocket");
  r.accept("insecure_connection");
  let vncPortMin = r.int("vnc_port_min", 0);
  let vncPortMax = r.int("vnc_port_max", 0);
  let vncBindAddress = r.string("vnc_bind_address", "");
  const vncDisablePassword = r.bool("vnc_disable_password");
  if (overWebsocket) {
    if (remoteType === "") r.problem("vnc_over_websocket", "'vnc_over_websocket' can only be used with remote VMWare builds.");
    else if (vncPortMin !== 0 || vncPortMax !== 0 || vncBindAddress !== "" || vncDisablePassword) {
      warnings.push("[WARN] When 'vnc_over_websocket' is set any other VNC configuration will be ignored.");
    }
  } else {
    vncPortMin ||= 5900;
    vncPortMax ||= 6000;
    vncBindAddress ||= "127.0.0.1";
    if (vncPortMin > vncPortMax) r.problem("vnc_port_min", "vnc_port_min must be less than vnc_port_max");
    if (vncPortMin < 0) r.problem("vnc_port_min", "vnc_port_min must be positive");
  }
  return { headless, vncBindAddress, vncPortMin, vncPortMax, vncDisablePassword, vncOverWebsocket: overWebsocket };
}

/** DriverConfig.Prepare: the remote defaults, and remote_type must be esx5 with a remote_host. */
export function readDriverConfig(r: ConfigReader): VmwareDriverConfig {
  r.accept("fusion_app_path", "remote_password", "remote_private_key_file");
  const remoteType = r.string("remote_type", "");
  const remoteHost = r.string("remote_host", "");
  const remoteDatastore = r.string("remote_datastore", "") || "datastore1";
  const config: VmwareDriverConfig = {
    remoteType,
    remoteHost,
    remotePort: r.int("remote_port", 0) || 22,
    remoteUser: r.string("remote_username", "") || "root",
    remoteDatastore,
    remoteCacheDatastore: r.string("remote_cache_datastore", "") || remoteDatastore,
    remoteCacheDirectory: r.string("remote_cache_directory", "") || "packer_cache",
    cleanupRemoteCache: r.bool("cleanup_remote_cache"),
    skipValidateCredentials: r.bool("skip_validate_credentials"),
  };
  if (remoteType !== "") {
    if (remoteHost === "") r.problem("remote_host", "remote_host must be specified");
    if (remoteType !== "esx5") r.problem("remote_type", "Only 'esx5' value is accepted for remote_type");
  }
  return config;
}

/** DriverConfig.Validate: exporting from ESXi needs the password ovftool logs in with. */
export function checkRemoteExport(r: ConfigReader, remoteType: string, skipExport: boolean): void {
  if (skipExport || remoteType === "") return;
  if (r.string("remote_password", "") === "") r.problem("remote_password", "exporting the vm from esxi with ovftool requires that you set a value for remote_password");
}

/** ToolsConfig.Prepare: tools_upload_path defaults to `{{ .Flavor }}.iso`. */
export function readToolsConfig(r: ConfigReader): VmwareToolsConfig {
  const uploadFlavor = r.string("tools_upload_flavor", "");
  const sourcePath = r.string("tools_source_path", "");
  let uploadPath = r.string("tools_upload_path", "");
  if (uploadPath === "") {
    if (sourcePath !== "" && uploadFlavor === "") {
      r.problem("tools_source_path", "If you provide a tools_source_path, you must also provide either a tools_upload_flavor or a tools_upload_path.");
    }
    uploadPath = "{{ .Flavor }}.iso";
  }
  return { uploadFlavor, uploadPath, sourcePath };
}

/** VMXConfig: what goes into the .vmx before boot and after shutdown, and what comes off it. */
export function readVmxConfig(r: ConfigReader): Pick<VmwareCommonConfig, "vmxData" | "vmxDataPost" | "vmxRemoveEthernet" | "displayName"> {
  return {
    vmxData: r.stringMap("vmx_data"),
    vmxDataPost: r.stringMap("vmx_data_post"),
    vmxRemoveEthernet: r.bool("vmx_remove_ethernet_interfaces"),
    displayName: r.string("display_name", ""),
  };
}

/** VNCConfig.Prepare: a boot command needs VNC. */
export function readVncBootConfig(r: ConfigReader): BootConfig {
  return readBootConfig(r, { vnc: true });
}

/** ExportConfig.Prepare: format, when given, is ova, ovf or vmx. */
export function readExportKeys(r: ConfigReader): { format: string; ovftoolOptions: string[]; skipExport: boolean; keepRegistered: boolean; skipCompaction: boolean } {
  const format = r.string("format", "");
  if (format !== "" && !["ova", "ovf", "vmx"].includes(format)) r.problem("format", "format must be one of ova, ovf, or vmx");
  return {
    format,
    ovftoolOptions: r.stringList("ovftool_options"),
    skipExport: r.bool("skip_export"),
    keepRegistered: r.bool("keep_registered"),
    skipCompaction: r.bool("skip_compaction"),
  };
}

/** DiskConfig.Prepare: vmdk_name "disk", disk_adapter_type "lsilogic"; disk_type_id is defaulted by each builder. */
export function readDiskKeys(r: ConfigReader): VmwareDiskConfig {
  return {
    additionalSizesMb: r.intList("disk_additional_size"),
    adapterType: r.string("disk_adapter_type", "") || "lsilogic",
    name: r.string("vmdk_name", "") || "disk",
    typeId: r.string("disk_type_id", ""),
  };
}

export function readOutputDirectoryKeys(r: ConfigReader, buildName: string): string {
  r.accept("remote_output_directory");
  // Unlike virtualbox, vmware's OutputConfig does not check that the folder is absent: StepOutputDir does, at build time.
  return r.string("output_directory", "") || `output-${buildName}`;
}

export function readShutdownKeys(r: ConfigReader): { shutdownCommand?: string; shutdownTimeoutMs: number } {
  return { shutdownCommand: r.string("shutdown_command") || undefined, shutdownTimeoutMs: r.duration("shutdown_timeout", 0) || 5 * 60_000 };
}

/** SSHConfig.Prepare: the communicator, with ssh_skip_request_pty turning the pty off. */
export function readVmwareCommunicator(r: ConfigReader, ctx: PrepareContext): CommunicatorConfig {
  const skipPty = r.bool("ssh_skip_request_pty");
  const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd });
  if (skipPty && communicator.type === "ssh") communicator.ssh.pty = false;
  return communicator;
}

export function readFloppyAndCd(r: ConfigReader, ctx: PrepareContext): FloppyCdConfig {
  const media = readFloppyCdConfig(r, ctx.cwd, { cd: true });
  return media;
}

export const HEADLESS_WITHOUT_VNC_WARNING =
  "Headless mode uses VNC to retrieve output. Since VNC has been disabled,\nyou won't be able to see any output.";

/** format's default (vmx locally, ovf for ESXi) and the skip_export it implies. */
export function resolveFormat(format: string, remoteType: string, skipExport: boolean): { format: VmwareExportFormat; skipExport: boolean } {
  const resolved = (format || (remoteType === "" ? "vmx" : "ovf")) as VmwareExportFormat;
  return { format: resolved, skipExport: skipExport || (remoteType === "" && resolved === "vmx") };
}
