import { statSync } from "node:fs";
import path from "node:path";
import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";

/**
 * Packer's `puppet-masterless` provisioner: uploads the manifest (file or folder), modules and
 * hiera config to a staging folder on the machine being built and runs `puppet apply` there.
 * `execute_command` and `extra_arguments` are rendered at run time with the remote paths.
 */
export type GuestOsType = "unix" | "windows";

export interface Config {
  guestOsType: GuestOsType;
  executeCommand: string;
  extraArguments: string[];
  /** Sorted by name: the command line is the same from run to run (Packer's map order is random). */
  facter: [string, string][];
  hieraConfigPath?: string;
  ignoreExitCodes: boolean;
  /** Absolute local folders. */
  modulePaths: string[];
  manifestFile: string;
  manifestDir?: string;
  preventSudo: boolean;
  puppetBinDir: string;
  stagingDirectory: string;
  workingDirectory: string;
  cleanStagingDirectory: boolean;
  elevatedUser?: string;
}

/** Packer's default execute_command; the two OSes differ only in how facts are set and in sudo. */
function defaultExecuteCommand(os: GuestOsType): string {
  return (
    "cd {{.WorkingDir}} && " +
    (os === "unix" ? `{{if ne .FacterVars ""}}{{.FacterVars}} {{end}}{{if .Sudo}}sudo -E {{end}}` : `{{if ne .FacterVars ""}}{{.FacterVars}} && {{end}}`) +
    `{{if ne .PuppetBinDir ""}}{{.PuppetBinDir}}/{{end}}` +
    "puppet apply --detailed-exitcodes " +
    "{{if .Debug}}--debug {{end}}" +
    `{{if ne .ModulePath ""}}--modulepath='{{.ModulePath}}' {{end}}` +
    `{{if ne .HieraConfigPath ""}}--hiera_config='{{.HieraConfigPath}}' {{end}}` +
    `{{if ne .ManifestDir ""}}--manifestdir='{{.ManifestDir}}' {{end}}` +
    `{{if ne .ExtraArguments ""}}{{.ExtraArguments}} {{end}}` +
    "{{.ManifestFile}}"
  );
}

export const GUEST_OS = {
  unix: { executeCommand: defaultExecuteCommand("unix"), stagingDir: "/tmp/packer-puppet-masterless", facterFmt: (k: string, v: string) => `FACTER_${k}='${v}'`, facterJoiner: " ", modulePathJoiner: ":" },
  windows: { executeCommand: defaultExecuteCommand("windows"), stagingDir: "C:/Windows/Temp/packer-puppet-masterless", facterFmt: (k: string, v: string) => `SET "FACTER_${k}=${v}"`, facterJoiner: " & ", modulePathJoiner: ";" },
} as const;

function statKind(cwd: string, p: string): "file" | "dir" | undefined {
  try {
    return statSync(path.resolve(cwd, p)).isDirectory() ? "dir" : "file";
  } catch {
    return undefined;
  }
}

export const schema: ComponentSchema<Config> = {
  kind: "provisioner",
  type: "puppet-masterless",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "provisioner", interpolation: ctx.interpolation, renderLater: ["execute_command", "extra_arguments"] });
    const os = (r.string("guest_os_type", "") || "unix").toLowerCase();
    if (os !== "unix" && os !== "windows") r.problem("guest_os_type", `Invalid guest_os_type: "${os}"`);
    const guestOsType: GuestOsType = os === "windows" ? "windows" : "unix";
    const hieraConfigPath = r.string("hiera_config_path", "") || undefined;
    if (hieraConfigPath) {
      const k = statKind(ctx.cwd, hieraConfigPath);
      if (!k) r.problem("hiera_config_path", `hiera_config_path is invalid: stat ${hieraConfigPath}: no such file or directory`);
      else if (k === "dir") r.problem("hiera_config_path", "hiera_config_path must point to a file");
    }
    const manifestDir = r.string("manifest_dir", "") || undefined;
    if (manifestDir) {
      const k = statKind(ctx.cwd, manifestDir);
      if (!k) r.problem("manifest_dir", `manifest_dir is invalid: stat ${manifestDir}: no such file or directory`);
      else if (k !== "dir") r.problem("manifest_dir", "manifest_dir must point to a directory");
    }
    const manifestFile = r.string("manifest_file", "") ?? "";
    if (!manifestFile) r.problem("manifest_file", "A manifest_file must be specified.");
    else if (!statKind(ctx.cwd, manifestFile)) r.problem("manifest_file", `manifest_file is invalid: stat ${manifestFile}: no such file or directory`);
    const modulePaths = r.stringList("module_paths");
    modulePaths.forEach((p, i) => {
      const k = statKind(ctx.cwd, p);
      if (!k) r.problem("module_paths", `module_path[${i}] is invalid: stat ${p}: no such file or directory`);
      else if (k !== "dir") r.problem("module_paths", `module_path[${i}] must point to a directory`);
    });
    const extraArguments = r.stringList("extra_arguments");
    const executeCommand = typeof r.value("execute_command") === "string" && r.value("execute_command") !== "" ? (r.value("execute_command") as string) : GUEST_OS[guestOsType].executeCommand;
    const facter = { ...r.stringMap("facter"), packer_build_name: ctx.interpolation.buildName ?? "", packer_builder_type: ctx.interpolation.buildType ?? "" };
    const stagingDirectory = r.string("staging_directory", "") || GUEST_OS[guestOsType].stagingDir;
    const config: Config = {
      guestOsType,
      executeCommand,
      extraArguments,
      facter: Object.entries(facter).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      hieraConfigPath: hieraConfigPath ? path.resolve(ctx.cwd, hieraConfigPath) : undefined,
      ignoreExitCodes: r.bool("ignore_exit_codes"),
      modulePaths: modulePaths.map((p) => path.resolve(ctx.cwd, p)),
      manifestFile: manifestFile ? path.resolve(ctx.cwd, manifestFile) : "",
      manifestDir: manifestDir ? path.resolve(ctx.cwd, manifestDir) : undefined,
      preventSudo: r.bool("prevent_sudo"),
      puppetBinDir: r.string("puppet_bin_dir", "") ?? "",
      stagingDirectory,
      workingDirectory: r.string("working_directory", "") || stagingDirectory,
      cleanStagingDirectory: r.bool("clean_staging_directory"),
      elevatedUser: r.string("elevated_user", "") || undefined,
    };
    r.accept("elevated_password");
    // Packer wraps the command in a Windows scheduled task for this, over WinRM, which Kiln lacks.
    if (config.elevatedUser) r.problem("elevated_user", "elevated_user: running Puppet as an elevated Windows user needs the WinRM communicator, which Kiln does not have yet");
    r.finish();
    return config;
  },
};
