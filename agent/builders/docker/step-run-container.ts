/**
 * Packer's StepRun: starts the build container from `run_command` (its `{{.Image}}` rendered),
 * plus the builder's own keys (volumes, privileged, capabilities, tmpfs), labelled as Kiln's.
 * Cleanup removes the container whatever happened: success, failure or cancel.
 */
import path from "node:path";
import type Docker from "dockerode";
import type { Config } from "../../../shared/components/builders/docker.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { Step } from "../../runner/steps.js";
import { KILN_CONTAINER_LABEL, KILN_PID_LABEL } from "./engine.js";
import { addTmpfs, parseRunCommand } from "./run-command.js";
import type { TempDirMade } from "./step-temp-dir.js";

export interface ContainerStarted {
  container: Docker.Container;
  containerId: string;
}

export function stepRunContainer(docker: Docker, config: Config): Step<TempDirMade, ContainerStarted> {
  // The created container, known to cleanup even when starting it fails (before run returns).
  const pending: { container?: Docker.Container } = {};
  return {
    name: "run container",
    packerName: "StepRun",
    async run(ctx, state) {
      const args = config.runCommand.map((a) => render(a, { ...ctx.prepare.interpolation, data: { Image: config.image } }));
      const req = parseRunCommand(args);
      // Packer shares a host folder with the container at container_dir.
      const host: Docker.HostConfig = { ...req.host, Binds: [`${state.tempDir}:${config.containerDir}`, ...(req.host.Binds ?? [])] };
      for (const [hostPath, containerPath] of Object.entries(config.volumes)) host.Binds!.push(`${path.resolve(ctx.workDir, hostPath)}:${containerPath}`);
      if (config.privileged) host.Privileged = true;
      if (config.capAdd.length > 0) host.CapAdd = [...(host.CapAdd ?? []), ...config.capAdd];
      if (config.capDrop.length > 0) host.CapDrop = [...(host.CapDrop ?? []), ...config.capDrop];
      for (const spec of config.tmpfs) addTmpfs(host, spec);
      if (config.device.length > 0) host.Devices = config.device.map((d) => deviceMapping(d));

      ctx.ui.say("Starting docker container...");
      ctx.ui.message(`Run command: docker ${packerRunArgs(config, state.tempDir, args).join(" ")}`);
      const container = await docker.createContainer({
        Image: req.image,
        Cmd: req.cmd.length > 0 ? req.cmd : undefined,
        Entrypoint: req.entrypoint,
        Tty: req.tty,
        OpenStdin: req.openStdin,
        AttachStdin: false,
        Env: req.env,
        User: req.user,
        WorkingDir: req.workingDir,
        Hostname: req.hostname,
        Labels: { ...req.labels, [KILN_CONTAINER_LABEL]: ctx.build.name, [KILN_PID_LABEL]: String(process.pid) },
        HostConfig: host,
      });
      const started: ContainerStarted = { container, containerId: container.id };
      pending.container = container;
      await container.start();
      ctx.ui.message(`Container ID: ${container.id}`);
      return started;
    },
    async cleanup(ctx, state) {
      const container = state.container ?? pending.container;
      pending.container = undefined;
      if (!container) return;
      ctx.ui.say(`Killing the container: ${container.id}`);
      await container.remove({ force: true, v: true }).catch((e: unknown) => {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      });
    },
  };
}

function deviceMapping(spec: string): Docker.DeviceMapping {
  const [hostPath, containerPath, permissions] = spec.split(":");
  return { PathOnHost: hostPath!, PathInContainer: containerPath ?? hostPath!, CgroupPermissions: permissions ?? "rwm" };
}

/**
 * The `docker run` command line Packer's driver runs (and prints): the builder's own keys as
 * flags, every volume (the shared folder among them) as -v, then run_command.
 */
function packerRunArgs(config: Config, tempDir: string, runCommand: readonly string[]): string[] {
  const args = ["run"];
  for (const d of config.device) args.push("--device", d);
  for (const c of config.capAdd) args.push("--cap-add", c);
  for (const c of config.capDrop) args.push("--cap-drop", c);
  if (config.privileged) args.push("--privileged");
  for (const t of config.tmpfs) args.push("--tmpfs", t);
  for (const [hostPath, containerPath] of Object.entries(config.volumes)) args.push("-v", `${hostPath}:${containerPath}`);
  args.push("-v", `${tempDir}:${config.containerDir}`);
  return [...args, ...runCommand];
}
