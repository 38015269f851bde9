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
 * Packer's `vmware-iso` builder, validated but not run by Kiln yet. Lenient: keys not listed here
 * (vmx_data, remote ESXi options, tools settings…) are accepted unchecked.
 */
export interface Config {
  iso: IsoConfig;
  http: HttpServerConfig;
  boot: BootConfig;
  shutdown: ShutdownConfig;
  communicator: CommunicatorConfig;
  guestOsType: string;
  format?: string;
  diskSizeMb: number;
  outputDirectory: string;
  vmName: string;
}

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "vmware-iso",
  needs: ["vmware"],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder",
      interpolation: ctx.interpolation,
      partial: true,
      renderLater: ["boot_command", "tools_upload_path", "vmx_data", "vmx_data_post"],
    });
    const buildName = ctx.interpolation.buildName ?? "vmware-iso";
    const shutdown = readShutdownConfig(r);
    const remote = r.string("remote_type", "");
    const outputDirectory = remote === "" ? readOutputDirectory(r, ctx.cwd, buildName, r.bool("packer_force")) : r.string("output_directory", "") || `output-${buildName}`;
    readFloppyCdConfig(r, ctx.cwd, { cd: true });
    const iso = readIsoConfig(r, ctx.cwd);
    const http = readHttpServerConfig(r);
    const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd });
    const boot = readBootConfig(r, { vnc: true });
    const format = r.string("format") || undefined;
    if (format && !["ova", "ovf", "vmx"].includes(format)) r.problem("format", "format must be one of ova, ovf, or vmx");
    const cdromAdapter = r.string("cdrom_adapter_type", "");
    if (cdromAdapter !== "" && !["ide", "sata", "scsi"].includes(cdromAdapter.toLowerCase())) {
      r.problem("cdrom_adapter_type", `The provided cdrom_adapter_type of '${cdromAdapter}' is unsupported.`);
    }
    const vncMin = r.int("vnc_port_min", 0) || 5900;
    const vncMax = r.int("vnc_port_max", 0) || 6000;
    if (vncMin > vncMax) r.problem("vnc_port_min", "vnc_port_min must be less than vnc_port_max");
    const toolsFlavor = r.string("tools_upload_flavor", "");
    if (toolsFlavor !== "" && !["darwin", "linux", "windows"].includes(toolsFlavor)) {
      r.problem("tools_upload_flavor", "tools_upload_flavor must be one of darwin, linux or windows");
    }
    const config: Config = {
      iso, http, boot, shutdown, communicator,
      guestOsType: r.string("guest_os_type", "other"),
      format,
      diskSizeMb: r.int("disk_size", 0) || 40000,
      outputDirectory,
      vmName: r.string("vm_name", "") || `packer-${buildName}`,
    };
    r.finish();
    return config;
  },
};
