/**
 * What Packer 1.6.6's virtualbox-iso and virtualbox-ovf share (builder/virtualbox/common): export,
 * output, run (headless, VRDP), shutdown, communicator port forwarding, VBoxManage commands, the
 * version file and guest additions. Each reader applies Packer's defaults and checks, with its
 * messages, in Packer's order.
 */
import type { ConfigReader } from "../config-reader.js";
import type { PrepareContext } from "../types.js";
import { readBootConfig, type BootConfig } from "../vm-config/boot.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";
import { readFloppyCdConfig, type FloppyCdConfig } from "../vm-config/floppy-cd.js";
import { readHttpServerConfig, type HttpServerConfig } from "../vm-config/http-server.js";
import { readOutputDirectory } from "../vm-config/output-dir.js";

export type GuestAdditionsMode = "disable" | "attach" | "upload";

export interface VirtualBoxCommonConfig {
  http: HttpServerConfig;
  boot: BootConfig;
  media: FloppyCdConfig;
  communicator: CommunicatorConfig;
  format: "ovf" | "ova";
  exportOpts: string[];
  outputDirectory: string;
  /** The exported file's name without extension (default: the VM name). */
  outputFilename: string;
  headless: boolean;
  vrdpBindAddress: string;
  vrdpPortMin: number;
  vrdpPortMax: number;
  shutdownCommand?: string;
  shutdownTimeoutMs: number;
  postShutdownDelayMs: number;
  disableShutdown: boolean;
  acpiShutdown: boolean;
  hostPortMin: number;
  hostPortMax: number;
  skipNatMapping: boolean;
  /** Raw templates, rendered when they run (`{{ .Name }}`, `{{ .HTTPIP }}`, `{{ .HTTPPort }}`). */
  vboxManage: string[][];
  vboxManagePost: string[][];
  /** Where the VirtualBox version is uploaded in the guest; "" = not at all. */
  versionFile: string;
  guestAdditions: {
    mode: GuestAdditionsMode;
    interface: string;
    /** Raw template (`{{ .Version }}`). */
    path: string;
    sha256: string;
    /** Raw template (`{{ .Version }}`); "" = VirtualBox's own ISO, else download.virtualbox.org. */
    url: string;
  };
  vmName: string;
  keepRegistered: boolean;
  skipExport: boolean;
}

/** Keys whose templates are rendered at run time, as Packer's InterpolateFilter excludes them. */
export const VIRTUALBOX_RENDER_LATER = ["boot_command", "guest_additions_path", "guest_additions_url", "vboxmanage", "vboxmanage_post"];

const GUEST_ADDITIONS_MODES: readonly GuestAdditionsMode[] = ["disable", "attach", "upload"];

/**
 * Reads the shared part. `guestAdditionsInterfaceDefault` differs: the ISO builder follows
 * iso_interface, the OVF builder uses ide.
 */
export function readVirtualBoxCommon(r: ConfigReader, ctx: PrepareContext, defaults: { buildName: string; guestAdditionsInterface: () => string }): VirtualBoxCommonConfig {
  const format = r.string("format", "") || "ovf";
  if (format !== "ovf" && format !== "ova") r.problem("format", "invalid format, only 'ovf' or 'ova' are allowed");
  const exportOpts = r.stringList("export_opts");
  const media = readFloppyCdConfig(r, ctx.cwd, { cd: true });
  const http = readHttpServerConfig(r);
  const outputDirectory = readOutputDirectory(r, ctx.cwd, defaults.buildName, r.bool("packer_force"));
  const vrdpBindAddress = r.string("vrdp_bind_address", "") || "127.0.0.1";
  const vrdpPortMin = r.int("vrdp_port_min", 0) || 5900;
  const vrdpPortMax = r.int("vrdp_port_max", 0) || 6000;
  if (vrdpPortMin > vrdpPortMax) r.problem("vrdp_port_min", "vrdp_port_min must be less than vrdp_port_max");
  const shutdownCommand = r.string("shutdown_command") || undefined;
  const shutdownTimeoutMs = r.duration("shutdown_timeout", 0) || 5 * 60_000;
  const postShutdownDelayMs = r.duration("post_shutdown_delay", 0) || 2_000;
  // Packer's CommConfig: the ssh_-prefixed names are the old spellings and win when set.
  // Every spelling read (a key never read is "unknown"); the ssh_ one wins when both are set.
  const [sshPortMin, portMin] = [r.int("ssh_host_port_min", 0), r.int("host_port_min", 0)];
  const [sshPortMax, portMax] = [r.int("ssh_host_port_max", 0), r.int("host_port_max", 0)];
  const hostPortMin = sshPortMin || portMin || 2222;
  const hostPortMax = sshPortMax || portMax || 4444;
  const [sshSkipNat, skipNat] = [r.bool("ssh_skip_nat_mapping"), r.bool("skip_nat_mapping")];
  const skipNatMapping = sshSkipNat || skipNat;
  const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd });
  if (communicator.type === "ssh" && !r.has("ssh_host")) communicator.ssh.host = "127.0.0.1";
  if (hostPortMin > hostPortMax) r.problem("host_port_min", "host_port_min must be less than host_port_max");
  const vboxManage = r.stringListList("vboxmanage");
  const vboxManagePost = r.stringListList("vboxmanage_post");
  const versionFile = r.has("virtualbox_version_file") ? r.string("virtualbox_version_file", "") : ".vbox_version";
  if (communicator.type === "none" && versionFile !== "") {
    r.problem("virtualbox_version_file", "virtualbox_version_file has to be an empty string when communicator = 'none'.");
  }
  const boot = readBootConfig(r, { vnc: false });
  const mode = r.string("guest_additions_mode", "") || "upload";
  if (!(GUEST_ADDITIONS_MODES as readonly string[]).includes(mode)) {
    r.problem("guest_additions_mode", `guest_additions_mode is invalid. Must be one of: [${GUEST_ADDITIONS_MODES.join(" ")}]`);
  }
  if (communicator.type === "none" && mode === "upload") {
    r.problem("guest_additions_mode", "communicator must not be 'none' when guest_additions_mode = 'upload'.");
  }
  const given = r.string("guest_additions_interface", "");
  const vmName = r.string("vm_name", "") || `packer-${defaults.buildName}-${Math.floor(ctx.interpolation.initTime.getTime() / 1000)}`;
  return {
    http, boot, media, communicator,
    format: format === "ova" ? "ova" : "ovf",
    exportOpts,
    outputDirectory,
    outputFilename: r.string("output_filename", "") || vmName,
    headless: r.bool("headless"),
    vrdpBindAddress, vrdpPortMin, vrdpPortMax,
    shutdownCommand, shutdownTimeoutMs, postShutdownDelayMs,
    disableShutdown: r.bool("disable_shutdown"),
    acpiShutdown: r.bool("acpi_shutdown"),
    hostPortMin, hostPortMax, skipNatMapping,
    vboxManage, vboxManagePost, versionFile,
    guestAdditions: {
      mode: (GUEST_ADDITIONS_MODES as readonly string[]).includes(mode) ? (mode as GuestAdditionsMode) : "disable",
      interface: given || defaults.guestAdditionsInterface(),
      path: r.string("guest_additions_path", "") || "VBoxGuestAdditions.iso",
      sha256: r.string("guest_additions_sha256", "").toLowerCase(),
      url: r.string("guest_additions_url", ""),
    },
    vmName,
    keepRegistered: r.bool("keep_registered"),
    skipExport: r.bool("skip_export"),
  };
}
