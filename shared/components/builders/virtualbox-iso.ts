import { NO_SHUTDOWN_COMMAND_WARNING } from "../vm-config/shutdown.js";
import { ConfigReader } from "../config-reader.js";
import type { BuilderSchema } from "../types.js";
import { readIsoConfig, type IsoConfig } from "../vm-config/iso.js";
import { readVirtualBoxCommon, VIRTUALBOX_RENDER_LATER, type VirtualBoxCommonConfig } from "./virtualbox-common.js";

/** Packer 1.6.6's `virtualbox-iso` builder: every key, its defaults and checks. */
export interface Config extends VirtualBoxCommonConfig {
  iso: IsoConfig;
  cpus: number;
  memoryMb: number;
  /** `none`, or an audio driver VirtualBox knows (`pulse`, `alsa`, `null`…). */
  sound: string;
  usb: boolean;
  /** Keep the boot ISO attached in the exported VM. */
  bundleIso: boolean;
  diskSizeMb: number;
  guestOsType: string;
  hardDriveDiscard: boolean;
  hardDriveInterface: "ide" | "sata" | "scsi" | "pcie";
  hardDriveNonrotational: boolean;
  sataPortCount: number;
  nvmePortCount: number;
  isoInterface: "ide" | "sata";
}

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "virtualbox-iso",
  needs: ["virtualbox"],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder", interpolation: ctx.interpolation, renderLater: VIRTUALBOX_RENDER_LATER });
    const buildName = ctx.interpolation.buildName ?? "virtualbox-iso";
    const iso = readIsoConfig(r, ctx.cwd, { warn: ctx.warn });
    const isoInterface = r.string("iso_interface", "") || "ide";
    const common = readVirtualBoxCommon(r, ctx, { buildName, guestAdditionsInterface: () => isoInterface });
    const cpus = r.int("cpus", 0);
    if (cpus < 0) r.problem("cpus", `An invalid number of cpus was specified (cpus < 0): ${cpus}`);
    const memory = r.int("memory", 0);
    if (memory < 0) r.problem("memory", `An invalid memory size was specified (memory < 0): ${memory}`);
    const hardDriveInterface = r.string("hard_drive_interface", "") || "ide";
    if (!["ide", "sata", "scsi", "pcie"].includes(hardDriveInterface)) r.problem("hard_drive_interface", "hard_drive_interface can only be ide, sata, pcie or scsi");
    const sataPortCount = r.int("sata_port_count", 0) || 1;
    if (sataPortCount > 30) r.problem("sata_port_count", "sata_port_count cannot be greater than 30");
    const nvmePortCount = r.int("nvme_port_count", 0) || 1;
    if (nvmePortCount > 255) r.problem("nvme_port_count", "nvme_port_count cannot be greater than 255");
    if (isoInterface !== "ide" && isoInterface !== "sata") r.problem("iso_interface", "iso_interface can only be ide or sata");
    const config: Config = {
      ...common,
      iso,
      cpus: cpus || 1,
      memoryMb: memory || 512,
      sound: r.string("sound", "") || "none",
      usb: r.bool("usb"),
      bundleIso: r.bool("bundle_iso"),
      diskSizeMb: r.uint("disk_size", 0) || 40000,
      guestOsType: r.string("guest_os_type", "") || "Other",
      hardDriveDiscard: r.bool("hard_drive_discard"),
      hardDriveInterface: hardDriveInterface as Config["hardDriveInterface"],
      hardDriveNonrotational: r.bool("hard_drive_nonrotational"),
      sataPortCount, nvmePortCount,
      isoInterface: isoInterface === "sata" ? "sata" : "ide",
    };
    // Packer warns before it reports errors: the warning stands beside them (HCL shows both).
    if (!config.shutdownCommand) ctx.warn?.(NO_SHUTDOWN_COMMAND_WARNING);
    r.finish();
    return config;
  },
};
