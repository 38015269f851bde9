import { spawnSync } from "node:child_process";
import { userInfo } from "node:os";
import { ConfigReader } from "../config-reader.js";
import { checkDir, checkFile } from "./path-checks.js";
import type { ComponentSchema } from "../types.js";

/**
 * Packer's `ansible` provisioner: runs ansible-playbook on the machine running the build, against
 * the machine being built — through a local SSH adapter that relays to the build's communicator
 * (the default, `use_proxy`), or straight to the guest's SSH (`use_proxy: false`).
 */
export interface Config {
  command: string;
  extraArguments: string[];
  /** Rendered at provision time with the build's generated data (`{{ .WinRMPassword }}`…). */
  ansibleEnvVars: string[];
  playbookFile: string;
  ansibleSshExtraArgs: string[];
  groups: string[];
  emptyGroups: string[];
  hostAlias: string;
  /** Empty when the template gave none: the communicator's user is used (with the proxy too, unlike Packer 1.6.6). */
  user: string;
  localUser: string;
  localPort: number;
  sshHostKeyFile?: string;
  sshAuthorizedKeyFile?: string;
  sftpCommand: string;
  skipVersionCheck: boolean;
  useSftp: boolean;
  inventoryDirectory?: string;
  inventoryFileTemplate?: string;
  inventoryFile?: string;
  keepInventoryFile: boolean;
  galaxyFile?: string;
  galaxyCommand: string;
  galaxyForceInstall: boolean;
  rolesPath?: string;
  collectionsPath?: string;
  /** Packer's tri-state: unset means the proxy. */
  useProxy: boolean;
  packerBuildName: string;
  packerBuilderType: string;
}

export const schema: ComponentSchema<Config> = {
  kind: "provisioner",
  type: "ansible",
  hostNeeds: ["ansible"],
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "provisioner", interpolation: ctx.interpolation, renderLater: ["ansible_env_vars", "extra_arguments", "inventory_file_template"] });
    const playbookFile = r.string("playbook_file", "") ?? "";
    if (playbookFile === "") r.problem("playbook_file", "playbook_file: is required");
    else checkFile(r, ctx.cwd, "playbook_file", playbookFile);
    const galaxyFile = r.string("galaxy_file", "") || undefined;
    checkFile(r, ctx.cwd, "galaxy_file", galaxyFile);
    const sshAuthorizedKeyFile = r.string("ssh_authorized_key_file", "") || undefined;
    checkFile(r, ctx.cwd, "ssh_authorized_key_file", sshAuthorizedKeyFile);
    const sshHostKeyFile = r.string("ssh_host_key_file", "") || undefined;
    checkFile(r, ctx.cwd, "ssh_host_key_file", sshHostKeyFile);
    const localPort = r.int("local_port", 0);
    if (localPort < 0 || localPort > 65535) r.problem("local_port", `local_port: ${localPort} must be a valid port`);
    const inventoryDirectory = r.string("inventory_directory", "") || undefined;
    checkDir(r, ctx.cwd, "inventory_directory", inventoryDirectory);
    const config: Config = {
      command: r.string("command", "") || "ansible-playbook",
      // Rendered later (renderLater: with the run's data), decoded now as Packer's []string.
      extraArguments: r.stringList("extra_arguments"),
      ansibleEnvVars: r.stringList("ansible_env_vars"),
      playbookFile,
      ansibleSshExtraArgs: r.stringList("ansible_ssh_extra_args"),
      groups: r.stringList("groups"),
      emptyGroups: r.stringList("empty_groups"),
      hostAlias: r.string("host_alias", "") || "default",
      user: r.string("user", "") ?? "",
      localUser: userInfo().username,
      localPort,
      sshHostKeyFile,
      sshAuthorizedKeyFile,
      sftpCommand: r.string("sftp_command", "") || "/usr/lib/sftp-server -e",
      skipVersionCheck: r.bool("skip_version_check"),
      useSftp: r.bool("use_sftp"),
      inventoryDirectory,
      inventoryFileTemplate: typeof r.value("inventory_file_template") === "string" ? (r.value("inventory_file_template") as string) : undefined,
      inventoryFile: r.string("inventory_file", "") || undefined,
      keepInventoryFile: r.bool("keep_inventory_file"),
      galaxyFile,
      galaxyCommand: r.string("galaxy_command", "") || "ansible-galaxy",
      galaxyForceInstall: r.bool("galaxy_force_install"),
      rolesPath: r.string("roles_path", "") || undefined,
      collectionsPath: r.string("collections_path", "") || undefined,
      useProxy: r.has("use_proxy") ? r.bool("use_proxy", true) : true,
      packerBuildName: ctx.interpolation.buildName ?? "",
      packerBuilderType: ctx.interpolation.buildType ?? "",
    };
    if (config.inventoryFile) checkFile(r, ctx.cwd, "inventory_file", config.inventoryFile);
    if (ctx.hostPrograms && !config.skipVersionCheck) checkAnsibleVersion(r, config.command);
    r.finish();
    return config;
  },
};

/**
 * What `COMMAND --version` printed when this process checked it, by command. Packer asks once, in
 * Prepare, and keeps the answer for Provision; a local `kiln build` checks here first, so the
 * provisioner reuses the answer instead of starting Ansible's Python again (~0.5 s).
 */
const versionOutputs = new Map<string, string>();

/** The output of a successful `command --version` check in this process, if there was one. */
export function checkedAnsibleVersionOutput(command: string): string | undefined {
  return versionOutputs.get(command);
}

/**
 * Packer's validate runs `ansible-playbook --version` and fails when it cannot (a missing program
 * is the usual case) or when the output names no version.
 */
function checkAnsibleVersion(r: ConfigReader, command: string): void {
  const program = command; // exec.Command(command, "--version"): the whole setting names the program
  const out = spawnSync(program, ["--version"], { encoding: "utf8", timeout: 20_000 });
  if (out.error) {
    const code = (out.error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? `exec: "${program}": executable file not found in $PATH` : out.error.message;
    r.problem(r.has("command") ? "command" : undefined, `Error running "${command} --version": ${why}`);
    return;
  }
  if (out.status !== 0) {
    r.problem(r.has("command") ? "command" : undefined, `Error running "${command} --version": exit status ${out.status ?? "signal"}`);
    return;
  }
  if (!/\w (\d+\.\d+[.\d+]*)/.test(out.stdout)) r.problem(r.has("command") ? "command" : undefined, `Could not find ${command} version in output:\n${out.stdout}`);
  else versionOutputs.set(command, out.stdout);
}
