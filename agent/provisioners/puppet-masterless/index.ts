/**
 * Packer's `puppet-masterless` provisioner: a staging folder on the machine being built (made
 * with sudo unless prevent_sudo, opened to all with chmod 0777 as Packer does), the hiera config,
 * manifest folder, module paths and manifest uploaded into it, then `puppet apply
 * --detailed-exitcodes` through execute_command. Exit 2 ("changes applied") is success, as in Packer.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { GUEST_OS, schema, type Config } from "../../../shared/components/provisioners/puppet-masterless.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { ProvisionContext } from "../../runner/context.js";
import { guestCommandOk, runGuestCommand } from "../guest-command.js";
import type { ProvisionerPlugin } from "../types.js";

export const plugin: ProvisionerPlugin<Config> = { schema, provision };

async function provision(ctx: ProvisionContext, config: Config): Promise<void> {
  ctx.ui.say("Provisioning with Puppet...");
  const os = GUEST_OS[config.guestOsType];
  const guest = guestCommands(config);
  const staging = config.stagingDirectory;

  ctx.ui.message("Creating Puppet staging directory...");
  await createDir(ctx, guest, staging, "Error creating staging directory");

  let remoteHiera = "";
  if (config.hieraConfigPath) {
    ctx.ui.message("Uploading hiera configuration...");
    remoteHiera = `${staging}/hiera.yaml`;
    await upload(ctx, remoteHiera, config.hieraConfigPath, "Error uploading hiera config");
  }
  let remoteManifestDir = "";
  if (config.manifestDir) {
    ctx.ui.message(`Uploading manifest directory from: ${config.manifestDir}`);
    remoteManifestDir = `${staging}/manifests`;
    await uploadDir(ctx, guest, remoteManifestDir, config.manifestDir, "Error uploading manifest dir");
  }
  const modulePaths: string[] = [];
  for (const [i, local] of config.modulePaths.entries()) {
    ctx.ui.message(`Uploading local modules from: ${local}`);
    const target = `${staging}/module-${i}`;
    await uploadDir(ctx, guest, target, local, "Error uploading modules");
    modulePaths.push(target);
  }

  ctx.ui.message("Uploading manifests...");
  const remoteManifests = `${staging}/manifests`;
  await createDir(ctx, guest, remoteManifests, "Error uploading manifests: Error creating manifests directory");
  let remoteManifestFile: string;
  if ((await stat(config.manifestFile)).isDirectory()) {
    ctx.ui.message(`Uploading manifest directory from: ${config.manifestFile}`);
    await uploadDir(ctx, guest, remoteManifests, config.manifestFile, "Error uploading manifests");
    remoteManifestFile = remoteManifests;
  } else {
    ctx.ui.message(`Uploading manifest file from: ${config.manifestFile}`);
    remoteManifestFile = `${remoteManifests}/${path.basename(config.manifestFile)}`;
    await upload(ctx, remoteManifestFile, config.manifestFile, "Error uploading manifests");
  }

  const data: Record<string, unknown> = {
    Debug: false,
    ExtraArguments: "",
    FacterVars: config.facter.map(([k, v]) => os.facterFmt(k, v)).join(os.facterJoiner),
    HieraConfigPath: remoteHiera,
    ManifestDir: remoteManifestDir,
    ManifestFile: remoteManifestFile,
    ModulePath: modulePaths.join(os.modulePathJoiner),
    ModulePathJoiner: os.modulePathJoiner,
    PuppetBinDir: config.puppetBinDir,
    Sudo: !config.preventSudo,
    WorkingDir: config.workingDirectory,
  };
  const interpolation = { ...ctx.prepare.interpolation, generated: ctx.generated, data };
  data.ExtraArguments = render(config.extraArguments.join(" "), interpolation);
  const command = render(config.executeCommand, { ...interpolation, data });

  ctx.ui.message(`Running Puppet: ${command}`);
  const code = await runGuestCommand(ctx, command);
  // --detailed-exitcodes: 0 nothing changed, 2 changes applied; 4 and 6 are failures.
  if (code !== 0 && code !== 2 && !config.ignoreExitCodes) throw new Error(`Puppet exited with a non-zero exit status: ${code}`);

  if (config.cleanStagingDirectory) await guestCommandOk(ctx, guest.removeDir(staging), "Error removing staging directory");
}

interface GuestCommands {
  mkdir(dir: string): string;
  chmod(dir: string, mode: string): string;
  removeDir(dir: string): string;
}

/** Packer's guestexec.GuestCommands: unix commands with `sudo ` unless prevent_sudo; Windows through PowerShell. */
function guestCommands(config: Config): GuestCommands {
  if (config.guestOsType === "windows") {
    const esc = (p: string): string => p.replace(/ /g, "` ");
    return {
      mkdir: (d) => `powershell.exe -Command "New-Item -ItemType directory -Force -ErrorAction SilentlyContinue -Path ${esc(d)}"`,
      chmod: (d, m) => `echo 'skipping chmod ${m} ${esc(d)}'`,
      removeDir: (d) => `powershell.exe -Command "rm ${esc(d)} -recurse -force"`,
    };
  }
  const sudo = (c: string): string => (config.preventSudo ? c : `sudo ${c}`);
  return {
    mkdir: (d) => sudo(`mkdir -p '${d}'`),
    chmod: (d, m) => sudo(`chmod ${m} '${d}'`),
    removeDir: (d) => sudo(`rm -rf '${d}'`),
  };
}

async function createDir(ctx: ProvisionContext, guest: GuestCommands, dir: string, what: string): Promise<void> {
  ctx.ui.message(`Creating directory: ${dir}`);
  await guestCommandOk(ctx, guest.mkdir(dir), what);
  await guestCommandOk(ctx, guest.chmod(dir, "0777"), what);
}

async function upload(ctx: ProvisionContext, dst: string, src: string, what: string): Promise<void> {
  try {
    await ctx.comm.upload(dst, createReadStream(src));
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}

async function uploadDir(ctx: ProvisionContext, guest: GuestCommands, dst: string, src: string, what: string): Promise<void> {
  await createDir(ctx, guest, dst, what);
  try {
    await ctx.comm.uploadDir(dst, src.endsWith("/") ? src : `${src}/`);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
}
