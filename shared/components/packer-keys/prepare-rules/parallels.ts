/**
 * Parallels: parallels-iso's ISO, HTTP, output, hardware, tools and disk settings, and
 * parallels-pvm's output, tools and source_path, as Prepare in Packer v1.6.6's
 * builder/parallels (iso, pvm and the common output and tools configs) checks them.
 */
import { resolve } from "node:path";
import { goStatError } from "../../go-stat-error.js";
import { readHttpServerConfig } from "../../vm-config/http-server.js";
import { checkWrittenBootCommand } from "../../vm-config/boot.js";
import { NO_SHUTDOWN_COMMAND_WARNING } from "../../vm-config/shutdown.js";
import { isoBuilder } from "./prepare-rule.js";
import type { PrepareRule } from "./prepare-rule.js";

/** Parallels' OutputConfig: Packer makes output_directory absolute before saying it exists. */
const parallelsOutput: PrepareRule = (r, ctx) => {
  const dir = resolve(ctx.cwd, r.string("output_directory", "") || `output-${ctx.interpolation.buildName ?? ""}`);
  if (!r.bool("packer_force") && !goStatError(dir, dir)) r.problem("output_directory", `Output directory '${dir}' already exists. It must not exist.`);
};

/** Parallels' ToolsConfig: a known parallels_tools_mode (upload by default), and a flavor unless disabled. */
const parallelsTools: PrepareRule = (r) => {
  const mode = r.string("parallels_tools_mode", "") || "upload";
  if (!["disable", "attach", "upload"].includes(mode)) r.problem("parallels_tools_mode", "parallels_tools_mode is invalid. Must be one of: [disable attach upload]");
  if (r.string("parallels_tools_flavor", "") === "" && mode !== "disable") r.problem("parallels_tools_flavor", "parallels_tools_flavor must be specified");
};

/** Packer 1.6.6's parallels-iso Prepare: ISO, HTTP, output, hardware, tools, boot command, then the disk settings. */
export const parallelsIso: PrepareRule = (r, ctx) => {
  isoBuilder(r, ctx);
  readHttpServerConfig(r);
  parallelsOutput(r, ctx);
  const cpus = r.int("cpus", 0);
  if (cpus < 0) r.problem("cpus", `An invalid number of cpus was specified (cpus < 0): ${cpus}`);
  const memory = r.int("memory", 0);
  if (memory < 0) r.problem("memory", `An invalid memory size was specified (memory < 0): ${memory}`);
  parallelsTools(r, ctx);
  checkWrittenBootCommand(r);
  const diskType = r.string("disk_type", "") || "expand";
  if (diskType !== "expand" && diskType !== "plain") r.problem("disk_type", "disk_type can only be expand, or plain");
  if (diskType === "plain" && !r.bool("skip_compaction")) ctx.warn?.("'skip_compaction' is enforced to be true for plain disks.");
  const hardDrive = r.string("hard_drive_interface", "") || "sata";
  if (!["ide", "sata", "scsi"].includes(hardDrive)) r.problem("hard_drive_interface", "hard_drive_interface can only be ide, sata, or scsi");
};

/** Packer 1.6.6's parallels-pvm Prepare: output, boot command, tools, and a source_path that exists. */
export const parallelsPvm: PrepareRule = (r, ctx) => {
  parallelsOutput(r, ctx);
  checkWrittenBootCommand(r);
  parallelsTools(r, ctx);
  const source = r.string("source_path", "");
  if (source === "") r.problem("source_path", "source_path is required");
  else {
    const why = goStatError(resolve(ctx.cwd, source), source);
    if (why) r.problem("source_path", `source_path is invalid: ${why}`);
  }
  if (r.string("shutdown_command", "") === "") ctx.warn?.(NO_SHUTDOWN_COMMAND_WARNING);
};
