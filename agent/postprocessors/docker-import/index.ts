/**
 * Packer's `docker-import` post-processor: the tar an export build wrote becomes an image named
 * `repository:tag`. The tar is removed afterwards unless the template keeps it.
 */
import { createReadStream } from "node:fs";
import { schema, type Config } from "../../../shared/components/post-processors/docker-import.js";
import { BUILDER_ID, BUILDER_ID_IMPORT } from "../../builders/docker/index.js";
import { dockerEngine } from "../../builders/docker/engine.js";
import type { PostProcessorPlugin } from "../types.js";

const ARTIFICE_ID = "packer.post-processor.artifice";

export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    if (input.builderId !== BUILDER_ID && input.builderId !== ARTIFICE_ID) {
      throw new Error(`Unknown artifact type: ${input.builderId}\nCan only import from docker builder and artifice post-processor artifacts. If you are getting this error after having run the docker builder, it may be because you set commit: true in your Docker builder, so the image is already imported. `);
    }
    const file = input.files[0];
    if (!file) throw new Error("docker-import: the input artifact has no file to import");
    const docker = dockerEngine();
    // "name:tag" in `repo` with no separate tag: podman ignores `tag` on import, the docker CLI does the same.
    const reference = config.tag ? `${config.repository}:${config.tag}` : config.repository;
    ctx.ui.message(`Importing image: ${input.id}`);
    ctx.ui.message(`Repository: ${reference}`);
    // An empty `changes` query parameter makes the engine answer 400 "file with no instructions".
    const options = config.changes.length > 0 ? { repo: reference, changes: config.changes } : { repo: reference };
    const stream = await docker.importImage(createReadStream(file), options);
    const imported = await new Promise<string>((resolve, reject) => {
      let id = "";
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : id ? resolve(id) : reject(new Error(`importing ${file} did not report an image id`))),
        (event: { status?: string; error?: string; errorDetail?: { message?: string } }) => {
          const failure = event.errorDetail?.message ?? event.error;
          if (failure) reject(new Error(`importing ${file} failed: ${failure}`));
          else if (event.status?.startsWith("sha256:")) id = event.status;
        },
      );
    });
    ctx.ui.message(`Imported ID: ${imported}`);
    return {
      // Packer's ImportArtifact here is named by the repository (and tag) it imported to.
      artifact: { builderId: BUILDER_ID_IMPORT, id: reference, files: [], description: `Imported Docker image: ${reference}`, state: { ImageId: imported } },
      keepInput: false,
    };
  },
};
