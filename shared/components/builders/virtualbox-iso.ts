import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { readBootConfig, type BootConfig } from "../vm-config/boot.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";
import { readFloppyCdConfig } from "../vm-config/floppy-cd.js";
import { readHttpServerConfig, type HttpServerConfig } from "../vm-config/http-server.js";
import { readIsoConfig, type IsoConfig } from "../vm-config/iso.js";
import { readOutputDirectory } from "../vm-config/output-dir.js";
import { readShutdownConfig, type ShutdownConfig } from "../vm-config/shutdown.js";

/**
 * Packer's `virtualbox-iso` builder, validated but not run by Kiln yet. Lenient: keys not listed
 * here (vboxmanage tweaks, export options, NIC and storage details…) are accepted unchecked.
 */
export interface Config {
  iso: IsoConfig;
  http: HttpServerConfig;
  boot: BootConfig;
  shutdown: ShutdownConfig;
  communicator: CommunicatorConfig;
  guestOsType: string;
  guestAdditionsMode: string;
  hardDriveInterface: string;
  isoInterface: string;
  format: string;
  diskSizeMb: number;
  outputDirectory: string;
  vmName: string;
}

const GUEST_ADDITIONS_MODES = ["disable", "attach", "upload"];

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "virtualbox-iso",
  needs: ["virtualbox"],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder",
      interpolation: ctx.interpolation,
      partial: true,
      renderLater: ["boot_command", "guest_additions_path", "guest_additions_url", "guest_additions_sha256", "vboxmanage", "vboxmanage_post"],
    });
    const buildName = ctx.interpolation.buildName ?? "virtualbox-iso";
    const shutdown = readShutdownConfig(r);
    r.duration("post_shutdown_delay", 0);
    const outputDirectory = readOutputDirectory(r, ctx.cwd, buildName, r.bool("packer_force"));
    const format = r.string("format", "ovf");
    if (format !== "ovf" && format !== "ova") r.problem("format", "invalid format, only 'ovf' or 'ova' are allowed");
    readFloppyCdConfig(r, ctx.cwd, { cd: true });
    const iso = readIsoConfig(r, ctx.cwd);
    const http = readHttpServerConfig(r);
    const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd });
    const boot = readBootConfig(r, { vnc: false });
    const guestAdditionsMode = r.string("guest_additions_mode", "upload");
    if (!GUEST_ADDITIONS_MODES.includes(guestAdditionsMode)) {
      r.problem("guest_additions_mode", `guest_additions_mode is invalid. Must be one of: [${GUEST_ADDITIONS_MODES.join(" ")}]`);
    }
    const hardDriveInterface = r.string("hard_drive_interface", "ide");
    if (!["ide", "sata", "scsi", "pcie"].includes(hardDriveInterface)) {
      r.problem("hard_drive_interface", "hard_drive_interface can only be ide, sata, pcie or scsi");
    }
    const isoInterface = r.string("iso_interface", "ide");
    if (!["ide", "sata"].includes(isoInterface)) r.problem("iso_interface", "iso_interface can only be ide or sata");
    const sataPorts = r.int("sata_port_count", 1);
    if (sataPorts > 30) r.problem("sata_port_count", "sata_port_count cannot be greater than 30");
    const hostPortMin = r.int("host_port_min", 0) || r.int("ssh_host_port_min", 0) || 2222;
    const hostPortMax = r.int("host_port_max", 0) || r.int("ssh_host_port_max", 0) || 4444;
    if (hostPortMin > hostPortMax) r.problem("host_port_min", "host_port_min must be less than host_port_max");
    const vrdpMin = r.int("vrdp_port_min", 0) || 5900;
    const vrdpMax = r.int("vrdp_port_max", 0) || 6000;
    if (vrdpMin > vrdpMax) r.problem("vrdp_port_min", "vrdp_port_min must be less than vrdp_port_max");
    const config: Config = {
      iso, http, boot, shutdown, communicator,
      guestOsType: r.string("guest_os_type", "Other"),
      guestAdditionsMode, hardDriveInterface, isoInterface, format,
      diskSizeMb: r.int("disk_size", 0) || 40000,
      outputDirectory,
      vmName: r.string("vm_name", "") || `packer-${buildName}`,
    };
    r.finish();
    return config;
  },
};
