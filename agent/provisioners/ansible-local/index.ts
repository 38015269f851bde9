/**
 * Packer's `ansible-local` provisioner: the playbook and its folders go to a staging folder on the
 * machine being built (through the communicator), then ansible-playbook runs there with
 * `-c local` against an inventory of 127.0.0.1. The same remote commands and layout as Packer
 * 1.6.6, so playbooks that find their files relative to the staging folder keep working.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { schema, type Config } from "../../../shared/components/provisioners/ansible-local.js";
import { timeOrderedUuid } from "../../../shared/template/interpolate/time-ordered-uuid.js";
import type { ProvisionContext } from "../../runner/context.js";
import { guestCommandOk, runGuestCommand } from "../guest-command.js";
import type { ProvisionerPlugin } from "../types.js";

const DEFAULT_STAGING_DIR = "/tmp/packer-provisioner-ansible-local";

export const plugin: ProvisionerPlugin<Config> = { schema, provision };

async function provision(ctx: ProvisionContext, config: Config): Promise<void> {
  ctx.ui.say("Provisioning with Ansible...");
  const staging = config.stagingDirectory ?? path.posix.join(DEFAULT_STAGING_DIR, timeOrderedUuid());
  const remote = (...parts: string[]): string => path.posix.join(staging, ...parts);

  if (config.playbookDir) {
    ctx.ui.message("Uploading Playbook directory to Ansible staging directory...");
    await uploadDir(ctx, staging, config.playbookDir, "Error uploading playbook_dir directory");
  } else {
    ctx.ui.message("Creating Ansible staging directory...");
    await createDir(ctx, staging, "Error creating staging directory");
  }

  // Playbooks inside playbook_dir are there already; others keep their absolute local path
  // under the staging folder, as Packer lays them out.
  const playbooks: string[] = [];
  if (config.playbookFile) {
    ctx.ui.message("Uploading main Playbook file...");
    const dst = remote(path.basename(config.playbookFile));
    await uploadFile(ctx, dst, config.playbookFile, "Error uploading main playbook");
    playbooks.push(dst);
  } else {
    for (const file of config.playbookFiles) {
      if (config.playbookDir && file.startsWith(config.playbookDir)) {
        playbooks.push(remote(file.slice(config.playbookDir.length)));
        continue;
      }
      ctx.ui.message(`Uploading playbook file: ${file}`);
      await createDir(ctx, remote(path.dirname(file)), `Error uploading playbook file: ${file}`);
      await uploadFile(ctx, remote(file), file, `Error uploading playbook: ${file}`);
      playbooks.push(remote(file));
    }
  }

  const scratch = await mkdtemp(path.join(ctx.scratchDir, "ansible-local-"));
  try {
    let inventory = config.inventoryFile;
    if (!inventory) {
      inventory = path.join(scratch, `packer-provisioner-ansible-local${Date.now()}`);
      const text = config.inventoryGroups.length > 0 ? config.inventoryGroups.map((g) => `[${g}]\n127.0.0.1\n`).join("") : "127.0.0.1";
      await writeFile(inventory, text);
    }
    if (config.galaxyFile) {
      ctx.ui.message("Uploading galaxy file...");
      await uploadFile(ctx, remote(path.basename(config.galaxyFile)), config.galaxyFile, "Error uploading galaxy file");
    }
    ctx.ui.message("Uploading inventory file...");
    const remoteInventory = remote(path.basename(inventory));
    await uploadFile(ctx, remoteInventory, inventory, "Error uploading inventory file");
    if (config.groupVars) {
      ctx.ui.message("Uploading group_vars directory...");
      await uploadDir(ctx, remote("group_vars"), config.groupVars, "Error uploading group_vars directory");
    }
    if (config.hostVars) {
      ctx.ui.message("Uploading host_vars directory...");
      await uploadDir(ctx, remote("host_vars"), config.hostVars, "Error uploading host_vars directory");
    }
    if (config.rolePaths.length > 0) {
      ctx.ui.message("Uploading role directories...");
      for (const src of config.rolePaths) await uploadDir(ctx, remote("roles", path.basename(src)), src, "Error uploading roles");
    }
    if (config.playbookPaths.length > 0) {
      ctx.ui.message("Uploading additional Playbooks...");
      await createDir(ctx, remote("playbooks"), "Error creating playbooks directory");
      for (const src of config.playbookPaths) await uploadDir(ctx, remote("playbooks", path.basename(src)), src, "Error uploading playbooks");
    }

    // Packer 1.6.6's exact extra vars, its stray "-o IdentitiesOnly=yes" included: playbooks
    // may read packer_http_addr, and the command line stays the one Packer users see.
    const httpAddr = ctx.generated.PackerHTTPAddr ?? "";
    let extraArgs = ` --extra-vars "packer_build_name=${config.packerBuildName} packer_builder_type=${config.packerBuilderType} packer_http_addr=${httpAddr} -o IdentitiesOnly=yes" `;
    if (config.extraArguments.length > 0) extraArgs += config.extraArguments.join(" ");
    if (config.galaxyFile) {
      const command = `cd ${staging} && ${config.galaxyCommand} install -r ${remote(path.basename(config.galaxyFile))} -p ${remote("roles")}`;
      ctx.ui.message(`Executing Ansible Galaxy: ${command}`);
      const code = await runGuestCommand(ctx, command);
      if (code !== 0) throw new Error(`Error executing Ansible: Error executing Ansible Galaxy: Non-zero exit status: ${code}`);
    }
    for (const playbook of playbooks) {
      const command = `cd ${staging} && ${config.command} ${playbook}${extraArgs} -c local -i ${remoteInventory}`;
      ctx.ui.message(`Executing Ansible: ${command}`);
      const code = await runGuestCommand(ctx, command);
      if (code === 127) {
        throw new Error(`Error executing Ansible: ${config.command} could not be found. Verify that it is available on the\nPATH after connecting to the machine.`);
      }
      if (code !== 0) throw new Error(`Error executing Ansible: Non-zero exit status: ${code}`);
    }
    if (config.cleanStagingDirectory) {
      ctx.ui.message("Removing staging directory...");
      ctx.ui.message(`Removing directory: ${staging}`);
      await guestCommandOk(ctx, `rm -rf '${staging}'`, "Error removing staging directory");
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function createDir(ctx: ProvisionContext, dir: string, what: string): Promise<void> {
  ctx.ui.message(`Creating directory: ${dir}`);
  await guestCommandOk(ctx, `mkdir -p '${dir}'`, what);
}

async function uploadFile(ctx: ProvisionContext, dst: string, src: string, what: string): Promise<void> {
  try {
    await ctx.comm.upload(dst, createReadStream(src));
  } catch (e) {
    throw new Error(`${what}: Error uploading ${src}: ${(e as Error).message}`);
  }
}

/** The folder's contents into `dst` (Packer adds the trailing slash). */
async function uploadDir(ctx: ProvisionContext, dst: string, src: string, what: string): Promise<void> {
  await createDir(ctx, dst, what);
  try {
    await ctx.comm.uploadDir(dst, src.endsWith("/") ? src : `${src}/`);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}
