import { resolve } from "node:path";
import { ConfigReader } from "../config-reader.js";
import { goStatError } from "../go-stat-error.js";
import type { BuilderSchema } from "../types.js";
import { readHttpServerConfig } from "../vm-config/http-server.js";
import {
  checkRemoteExport, HEADLESS_WITHOUT_VNC_WARNING, readDiskKeys, readDriverConfig, readExportKeys, readFloppyAndCd,
  readOutputDirectoryKeys, readRunConfig, readShutdownKeys, readToolsConfig, readVmwareCommunicator, readVmxConfig, readVncBootConfig, resolveFormat,
  VMWARE_RENDER_LATER, type VmwareCommonConfig,
} from "./vmware-common.js";
import { NO_SHUTDOWN_COMMAND_WARNING } from "../vm-config/shutdown.js";

/** Packer 1.6.6's `vmware-vmx` builder: clones an existing .vmx (and its disks), then builds as vmware-iso does. */
export interface Config extends VmwareCommonConfig {
  /** The .vmx to clone, absolute. */
  sourcePath: string;
  /** A linked clone (vmrun clone … linked) rather than a full one. */
  linked: boolean;
}

export const schema: BuilderSchema<Config> = {
  kind: "builder",
  type: "vmware-vmx",
  needs: ["vmware"],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "builder", interpolation: ctx.interpolation, renderLater: VMWARE_RENDER_LATER });
    const buildName = ctx.interpolation.buildName ?? "vmware-vmx";
    const warnings: string[] = [];
    const vmName = r.string("vm_name", "") || `packer-${buildName}-${Math.floor(ctx.interpolation.initTime.getTime() / 1000)}`;
    const remoteTypeRaw = r.string("remote_type", "");
    const run = readRunConfig(r, remoteTypeRaw, warnings);
    const driver = readDriverConfig(r);
    const http = readHttpServerConfig(r);
    const outputDirectory = readOutputDirectoryKeys(r, buildName);
    const shutdown = readShutdownKeys(r);
    const communicator = readVmwareCommunicator(r, ctx);
    const tools = readToolsConfig(r);
    const media = readFloppyAndCd(r, ctx);
    // Packer runs VNCConfig.Prepare twice here, so each of its problems (VNC off, a bad boot_command wait) is listed twice; once is enough to name it.
    const boot = readVncBootConfig(r);
    const vmx = readVmxConfig(r);
    const exported = readExportKeys(r);
    const disk = readDiskKeys(r);
    const source = r.string("source_path", "");
    if (driver.remoteType === "") {
      if (source === "") r.problem("source_path", "source_path is blank, but is required");
      else {
        const why = goStatError(resolve(ctx.cwd, source), source);
        if (why) r.problem("source_path", `source_path is invalid: ${why}`);
      }
      if (run.headless && boot.disableVnc) warnings.push(HEADLESS_WITHOUT_VNC_WARNING);
    }
    if (disk.typeId === "") disk.typeId = driver.remoteType === "esx5" ? "zeroedthick" : "1";
    const { format, skipExport } = resolveFormat(exported.format, driver.remoteType, exported.skipExport);
    checkRemoteExport(r, driver.remoteType, skipExport);
    if (!shutdown.shutdownCommand) warnings.push(NO_SHUTDOWN_COMMAND_WARNING);
    const config: Config = {
      http, boot, media, communicator, driver, run, outputDirectory, ...shutdown, tools,
      ...vmx,
      format, skipExport,
      ovftoolOptions: exported.ovftoolOptions,
      keepRegistered: exported.keepRegistered,
      skipCompaction: exported.skipCompaction,
      disk, vmName, warnings,
      sourcePath: source === "" ? "" : resolve(ctx.cwd, source),
      linked: r.bool("linked"),
    };
    for (const warning of warnings) ctx.warn?.(warning);
    r.finish();
    return config;
  },
};
