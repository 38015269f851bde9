/**
 * Packer's StepRun: starts the build container from `run_command` (its `{{.Image}}` rendered),
 * plus the builder's own keys (volumes, privileged, capabilities, tmpfs), labelled as Kiln's.
 * Cleanup removes the container whatever happened: success, failure or cancel.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";
import type { Config } from "../../../shared/components/builders/docker.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { Step } from "../../runner/steps.js";
import { KILN_CONTAINER_LABEL, KILN_PID_LABEL } from "./engine.js";
import { addTmpfs, parseRunCommand } from "./run-command.js";

export interface ContainerStarted {
  container: Docker.Container;
  containerId: string;
}

export function stepRunContainer(docker: Docker, config: Config): Step<object, ContainerStarted> {
  // The created container, known to cleanup even when starting it fails (before run returns).
  const pending: { container?: Docker.Container } = {};
  return {
    name: "run container",
    async run(ctx) {
      const args = config.runCommand.map((a) => render(a, { ...ctx.prepare.interpolation, data: { Image: config.image } }));
      const req = parseRunCommand(args);
      // Packer shares a host folder with the container at container_dir.
      const shared = path.join(ctx.scratchDir, "packer-files");
      await mkdir(shared, { recursive: true });
      const host: Docker.HostConfig = { ...req.host, Binds: [`${shared}:${config.containerDir}`, ...(req.host.Binds ?? [])] };
      for (const [hostPath, containerPath] of Object.entries(config.volumes)) host.Binds!.push(`${path.resolve(ctx.workDir, hostPath)}:${containerPath}`);
      if (config.privileged) host.Privileged = true;
      if (config.capAdd.length > 0) host.CapAdd = [...(host.CapAdd ?? []), ...config.capAdd];
      if (config.capDrop.length > 0) host.CapDrop = [...(host.CapDrop ?? []), ...config.capDrop];
      for (const spec of config.tmpfs) addTmpfs(host, spec);
      if (config.device.length > 0) host.Devices = config.device.map((d) => deviceMapping(d));

      ctx.ui.say("Starting docker container...");
      ctx.ui.message(`Run command: docker run ${args.join(" ")}`);
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
