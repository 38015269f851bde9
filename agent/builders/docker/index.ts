/**
 * Packer's `docker` builder on a Docker Engine API: pull, run the build container, connect with
 * the docker communicator, provision, then commit, export or discard. The container is removed
 * by the run step's cleanup on success, failure and cancel.
 */
import { schema, type Config } from "../../../shared/components/builders/docker.js";
import { DockerCommunicator } from "../../communicators/docker/index.js";
import type { Artifact } from "../../runner/artifact.js";
import { StepList, type Step } from "../../runner/steps.js";
import { stepProvision, type Connected } from "../common/step-connect.js";
import type { BuilderPlugin } from "../types.js";
import { dockerEngine } from "./engine.js";
import { stepCommit } from "./step-commit.js";
import { stepExport } from "./step-export.js";
import { stepPull } from "./step-pull.js";
import { stepRunContainer, type ContainerStarted } from "./step-run-container.js";
import { stepTempDir } from "./step-temp-dir.js";
import { probeDockerHost } from "./host-probe.js";
import { reapDockerContainers } from "./reap-containers.js";

export const BUILDER_ID = "packer.docker";
/** Packer gives a committed image the import post-processor's id, so docker-tag/push accept it. */
export const BUILDER_ID_IMPORT = "packer.post-processor.docker-import";

export const plugin: BuilderPlugin<Config> = {
  schema,
  hostProbe: probeDockerHost,
  leftoverReaper: reapDockerContainers,
  async run(ctx, config) {
    if (config.windowsContainer) throw new Error("windows_container: Kiln's docker builder runs Linux containers only; remove windows_container or build on Packer");
    const docker = dockerEngine();
    const base = StepList.start<object>()
      .then(stepTempDir())
      .then(stepPull(docker, config))
      .then(stepRunContainer(docker, config))
      .then(stepConnectDocker(config))
      .then(stepProvision<ContainerStarted & Connected>(ctx.provision));
    const options = { pause: ctx.pause, keepOnError: ctx.keepOnError };

    if (config.commit) {
      const state = await base.then(stepCommit(config)).run(ctx, {}, options);
      return {
        builderId: BUILDER_ID_IMPORT,
        id: state.imageId,
        files: [],
        description: `Imported Docker image: ${state.imageId}`,
        state: { ImageId: state.imageId },
      } satisfies Artifact;
    }
    if (config.exportPath) {
      await base.then(stepExport({ ...config, exportPath: config.exportPath })).run(ctx, {}, options);
      // Packer's ExportArtifact: the export_path as the template gave it, and the id "Container".
      return { builderId: BUILDER_ID, id: "Container", files: [config.exportPath], description: `Exported Docker file: ${config.exportPath}` };
    }
    await base.run(ctx, {}, options);
    // Packer's builder makes an ExportArtifact for discard too, with export_path empty: its
    // post-processors run, and it is listed as "Exported Docker file: ".
    return { builderId: BUILDER_ID, id: "Container", files: [""], description: "Exported Docker file: " };
  },
};

function stepConnectDocker(config: Config): Step<ContainerStarted, Connected> {
  return {
    name: "connect",
    async run(ctx, state) {
      // Packer's StepConnect names the host it reaches: the container's IP address on the
      // default bridge (empty when the container has no network).
      const inspected = (await state.container.inspect()) as { NetworkSettings?: { IPAddress?: string } };
      ctx.ui.say(`Using docker communicator to connect: ${inspected.NetworkSettings?.IPAddress ?? ""}`);
      const comm = new DockerCommunicator(state.container, { execUser: config.execUser, fixUploadOwner: config.fixUploadOwner, stagingDir: ctx.scratchDir });
      return { comm, generated: { ID: state.containerId, ConnType: "docker" } };
    },
  };
}
