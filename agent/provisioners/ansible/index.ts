/**
 * Packer's `ansible` provisioner: ansible-playbook runs here (on the machine running the build)
 * against the machine being built. By default through Kiln's SSH adapter (adapter/), which works
 * for any communicator; with `use_proxy: false`, straight to the guest's SSH with the
 * communicator's host, port, user and key (or password, through sshpass). Keys and the inventory
 * live in the build's scratch folder and are gone after success, failure and cancel; a cancel
 * stops ansible-playbook's whole process group.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkedAnsibleVersionOutput, schema, type Config } from "../../../shared/components/provisioners/ansible.js";
import { render } from "../../../shared/template/interpolate/index.js";
import { runProcessGroup, SpawnError } from "../../local-shell/process-group.js";
import { generateTemporaryKeyPair } from "../../communicators/ssh/temporary-key-pair.js";
import { BuildCancelledError } from "../../runner/steps.js";
import type { ProvisionContext } from "../../runner/context.js";
import { outputLinesTo } from "../../runner/ui.js";
import type { ProvisionerPlugin } from "../types.js";
import { startSshAdapter, type RunningAdapter } from "./adapter/ssh-adapter.js";
import { ansibleArgs, ansibleMajorVersion } from "./command-line.js";
import { probeAnsibleHost } from "./host-probe.js";
import { inventoryText } from "./inventory.js";

export const plugin: ProvisionerPlugin<Config> = {
  schema,
  hostProbe: probeAnsibleHost,
  async provision(ctx, config) {
    ctx.ui.say("Provisioning with Ansible...");
    const generated = ctx.generated;
    const renderData = (text: string, what: string): string => {
      try {
        return render(text, { ...ctx.prepare.interpolation, generated, data: generated });
      } catch (e) {
        throw new Error(`Could not interpolate ${what}: ${(e as Error).message}`);
      }
    };
    const envVars = config.ansibleEnvVars.map((v) => renderData(v, "ansible env vars"));
    if (!config.sshHostKeyFile) envVars.push("ANSIBLE_HOST_KEY_CHECKING=False");
    if (!config.useSftp) envVars.push("ANSIBLE_SCP_IF_SSH=True");
    const extraArguments = config.extraArguments.map((a) => renderData(a, "extra_arguments"));
    const majorVersion = config.skipVersionCheck ? 2 : await ansibleVersion(ctx, config.command);

    let useProxy = config.useProxy;
    if (!useProxy && !generated.Host) {
      ctx.ui.error("Warning: use_proxy is false, but instance does not have an IP address to give to Ansible. Falling back to use localhost proxy.");
      useProxy = true;
    }
    if (!useProxy && generated.ConnType !== "ssh") {
      ctx.ui.error("Warning: use_proxy is false, but communicator is neither ssh nor winrm, so without the proxy ansible will not function. Falling back to localhost proxy.");
      useProxy = true;
    }

    const work = await mkdtemp(path.join(ctx.scratchDir, "ansible-"));
    let adapter: RunningAdapter | undefined;
    let keptInventory: string | undefined;
    // Inventory folders made outside the scratch folder (inventory_directory), removed at the end.
    const inventoryDirs: string[] = [];
    try {
      let user = config.user;
      let host: string;
      let port: string;
      let privateKeyFile: string | undefined;
      let password: string | undefined;
      if (useProxy) {
        const hostKey = config.sshHostKeyFile
          ? await readFile(path.resolve(ctx.workDir, config.sshHostKeyFile), "utf8")
          : generateTemporaryKeyPair("ed25519", 0, "kiln-ansible-adapter").privateKey;
        let authorizedKey: string;
        if (config.sshAuthorizedKeyFile) {
          // The user's own key pair: Ansible finds the private half as ssh would.
          authorizedKey = await readFile(path.resolve(ctx.workDir, config.sshAuthorizedKeyFile), "utf8");
        } else {
          const pair = generateTemporaryKeyPair("ed25519", 0, "kiln-ansible");
          authorizedKey = pair.publicKey;
          privateKeyFile = path.join(work, "ansible-key");
          await writeFile(privateKeyFile, pair.privateKey, { mode: 0o600 });
        }
        // Packer 1.6.6 logs Ansible in as the local user here, and Ansible then expands `~` as
        // `~thatuser` on the guest: /root for a root CI runner, a folder the guest's login user
        // cannot write, so the first task fails. Kiln uses the communicator's user (the guest
        // identity the adapter really runs as); `user` still overrides it.
        if (!user) user = generated.User || config.localUser;
        adapter = await startSshAdapter({
          comm: ctx.comm, user, hostKey, authorizedKey, port: config.localPort, signal: ctx.signal,
          log: (text) => ctx.ui.message(text),
        });
        host = "127.0.0.1";
        port = String(adapter.port);
      } else {
        ctx.ui.message("Not using Proxy adapter for Ansible run:\n\tUsing ssh keys from Packer communicator...");
        host = generated.Host!;
        port = generated.Port ?? "22";
        if (!user) user = generated.User ?? config.localUser;
        if (generated.SSHPrivateKey) {
          privateKeyFile = path.join(work, "ansible-key");
          await writeFile(privateKeyFile, generated.SSHPrivateKey.endsWith("\n") ? generated.SSHPrivateKey : `${generated.SSHPrivateKey}\n`, { mode: 0o600 });
        } else if (generated.Password) {
          password = generated.Password;
        }
      }

      let inventory = config.inventoryFile ? path.resolve(ctx.workDir, config.inventoryFile) : undefined;
      if (!inventory) {
        const text = inventoryText({
          template: config.inventoryFileTemplate,
          ansibleMajorVersion: majorVersion,
          data: { ...generated, HostAlias: config.hostAlias, User: user, Host: host, Port: port },
          groups: config.groups,
          emptyGroups: config.emptyGroups,
          interpolation: ctx.prepare.interpolation,
        });
        // A kept inventory must outlive the build's scratch folder.
        const folder = config.inventoryDirectory ? path.resolve(ctx.workDir, config.inventoryDirectory) : config.keepInventoryFile ? tmpdir() : work;
        const dir = await mkdtemp(path.join(folder, "packer-provisioner-ansible"));
        inventory = path.join(dir, "inventory");
        await writeFile(inventory, text, { mode: 0o600 });
        if (config.keepInventoryFile) keptInventory = inventory;
        else inventoryDirs.push(dir);
      }

      if (config.galaxyFile) await runGalaxy(ctx, config, envVars);

      const args = ansibleArgs({
        packerBuildName: config.packerBuildName,
        packerBuilderType: config.packerBuilderType,
        httpAddr: generated.PackerHTTPAddr && !generated.PackerHTTPAddr.startsWith("ERR_") ? generated.PackerHTTPAddr : undefined,
        connType: useProxy ? "ssh" : generated.ConnType ?? "ssh",
        privateKeyFile,
        sshExtraArgs: config.ansibleSshExtraArgs,
        extraArguments,
        password,
        envVars,
        inventory,
        playbook: path.resolve(ctx.workDir, config.playbookFile),
      });
      const shown = [config.command, ...args].join(" ");
      ctx.ui.say(`Executing Ansible: ${password ? shown.split(password).join("*****") : shown}`);
      await runAnsible(ctx, [config.command, ...args], envVars, "Error executing Ansible");
      if (keptInventory) ctx.ui.message(`Kept the inventory file: ${keptInventory}`);
    } finally {
      await adapter?.close();
      await rm(work, { recursive: true, force: true });
      for (const dir of inventoryDirs) await rm(dir, { recursive: true, force: true });
    }
  },
};

async function ansibleVersion(ctx: ProvisionContext, command: string): Promise<number> {
  // Checked already in this process (a local build's validation): Packer too asks only once.
  const checked = checkedAnsibleVersionOutput(command);
  const checkedMajor = checked === undefined ? undefined : ansibleMajorVersion(checked);
  if (checkedMajor !== undefined) return checkedMajor;
  let out = "";
  let result;
  try {
    result = await runProcessGroup([command, "--version"], {
      cwd: ctx.workDir, env: process.env, signal: ctx.signal,
      onStdoutLine: (l) => (out += `${l}\n`), onStderrLine: (l) => (out += `${l}\n`),
    });
  } catch (e) {
    if (e instanceof SpawnError) throw new Error(`Error running "${command} --version": ${e.cause.message}: is Ansible installed on this machine? (or set "command", or "skip_version_check": true)`);
    throw e;
  }
  if (result.exitCode !== 0) throw new Error(`Error running "${command} --version": exit status ${result.exitCode}: ${out.trim()}`);
  const major = ansibleMajorVersion(out);
  if (major === undefined) throw new Error(`Could not find Ansible version in output:\n${out}`);
  return major;
}

/** Packer's executeGalaxy: roles (v1 files, or `roles:`) and collections (`collections:`). */
async function runGalaxy(ctx: ProvisionContext, config: Config, envVars: string[]): Promise<void> {
  const file = path.resolve(ctx.workDir, config.galaxyFile!);
  const text = await readFile(file, "utf8");
  const hasRoles = /^roles:/m.test(text);
  const hasCollections = /^collections:/m.test(text);
  const force = config.galaxyForceInstall ? ["-f"] : [];
  if (hasRoles || !hasCollections) {
    const args = ["install", "-r", file, ...force, ...(config.rolesPath ? ["-p", path.resolve(ctx.workDir, config.rolesPath)] : [])];
    ctx.ui.message(`Executing Ansible Galaxy: ${config.galaxyCommand} ${args.join(" ")}`);
    await runAnsible(ctx, [config.galaxyCommand, ...args], envVars, "Error executing Ansible Galaxy");
  }
  if (hasCollections) {
    const args = ["collection", "install", "-r", file, ...force, ...(config.collectionsPath ? ["-p", path.resolve(ctx.workDir, config.collectionsPath)] : [])];
    ctx.ui.message(`Executing Ansible Galaxy: ${config.galaxyCommand} ${args.join(" ")}`);
    await runAnsible(ctx, [config.galaxyCommand, ...args], envVars, "Error executing Ansible Galaxy");
  }
}

async function runAnsible(ctx: ProvisionContext, argv: string[], envVars: readonly string[], what: string): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const kv of envVars) {
    const eq = kv.indexOf("=");
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  let result;
  try {
    result = await runProcessGroup(argv, {
      cwd: ctx.workDir, env, signal: ctx.signal,
      onStdoutLine: (l) => ctx.ui.message(l), onStderrLine: (l) => ctx.ui.message(l),
      onStdoutLines: outputLinesTo(ctx.ui, "message"), onStderrLines: outputLinesTo(ctx.ui, "message"),
    });
  } catch (e) {
    if (e instanceof SpawnError) throw new Error(`${what}: ${e.message}`);
    throw e;
  }
  if (result.cancelled) throw new BuildCancelledError();
  if (result.exitCode !== 0) throw new Error(`${what}: Non-zero exit status: exit status ${result.exitCode}`);
}
