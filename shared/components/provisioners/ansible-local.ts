import path from "node:path";
import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";
import { checkDir, checkFile } from "./path-checks.js";

/**
 * Packer's `ansible-local` provisioner: uploads the playbook (and its folders) to a staging
 * folder on the machine being built and runs ansible-playbook there with a local connection, so
 * the guest must have Ansible. Paths are the local ones, absolute.
 */
export interface Config {
  command: string;
  extraArguments: string[];
  groupVars?: string;
  hostVars?: string;
  playbookDir?: string;
  playbookFile?: string;
  /** Absolute, in the template's order. */
  playbookFiles: string[];
  playbookPaths: string[];
  rolePaths: string[];
  /** Unset: Packer's /tmp/packer-provisioner-ansible-local/<time-ordered uuid>, made per run. */
  stagingDirectory?: string;
  cleanStagingDirectory: boolean;
  inventoryFile?: string;
  inventoryGroups: string[];
  galaxyFile?: string;
  galaxyCommand: string;
  packerBuildName: string;
  packerBuilderType: string;
}

export const schema: ComponentSchema<Config> = {
  kind: "provisioner",
  type: "ansible-local",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "provisioner", interpolation: ctx.interpolation });
    const abs = (p: string | undefined): string | undefined => (p ? path.resolve(ctx.cwd, p) : undefined);
    const playbookFile = r.string("playbook_file", "") || undefined;
    const playbookFiles = r.stringList("playbook_files");
    if (playbookFiles.length > 0 && playbookFile) r.problem("playbook_files", "Either playbook_file or playbook_files can be specified, not both");
    if (playbookFiles.length === 0 && !playbookFile) r.problem("playbook_file", "Either playbook_file or playbook_files must be specified");
    checkFile(r, ctx.cwd, "playbook_file", playbookFile);
    for (const f of playbookFiles) checkFile(r, ctx.cwd, "playbook_files", f);
    const inventoryFile = r.string("inventory_file", "") || undefined;
    checkFile(r, ctx.cwd, "inventory_file", inventoryFile);
    const galaxyFile = r.string("galaxy_file", "") || undefined;
    checkFile(r, ctx.cwd, "galaxy_file", galaxyFile);
    const playbookDir = r.string("playbook_dir", "") || undefined;
    checkDir(r, ctx.cwd, "playbook_dir", playbookDir);
    const groupVars = r.string("group_vars", "") || undefined;
    checkDir(r, ctx.cwd, "group_vars", groupVars);
    const hostVars = r.string("host_vars", "") || undefined;
    checkDir(r, ctx.cwd, "host_vars", hostVars);
    const playbookPaths = r.stringList("playbook_paths");
    for (const p of playbookPaths) checkDir(r, ctx.cwd, "playbook_paths", p);
    const rolePaths = r.stringList("role_paths");
    for (const p of rolePaths) checkDir(r, ctx.cwd, "role_paths", p);
    const config: Config = {
      command: r.string("command", "") || "ANSIBLE_FORCE_COLOR=1 PYTHONUNBUFFERED=1 ansible-playbook",
      extraArguments: r.stringList("extra_arguments"),
      groupVars: abs(groupVars),
      hostVars: abs(hostVars),
      playbookDir: abs(playbookDir),
      playbookFile: abs(playbookFile),
      playbookFiles: playbookFiles.map((f) => path.resolve(ctx.cwd, f)),
      playbookPaths: playbookPaths.map((p) => path.resolve(ctx.cwd, p)),
      rolePaths: rolePaths.map((p) => path.resolve(ctx.cwd, p)),
      stagingDirectory: r.string("staging_directory", "") || undefined,
      cleanStagingDirectory: r.bool("clean_staging_directory"),
      inventoryFile: abs(inventoryFile),
      inventoryGroups: r.stringList("inventory_groups"),
      galaxyFile: abs(galaxyFile),
      galaxyCommand: r.string("galaxy_command", "") || "ansible-galaxy",
      packerBuildName: ctx.interpolation.buildName ?? "",
      packerBuilderType: ctx.interpolation.buildType ?? "",
    };
    r.finish();
    return config;
  },
};
