/** Packer's `docker-tag` post-processor: names the image of a commit build or a docker-import. */
import { schema, type Config } from "../../../shared/components/post-processors/docker-tag.js";
import { BUILDER_ID_IMPORT } from "../../builders/docker/index.js";
import { dockerEngine } from "../../builders/docker/engine.js";
import type { PostProcessorPlugin } from "../types.js";

export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    if (input.builderId !== BUILDER_ID_IMPORT) {
      throw new Error(`Unknown artifact type: ${input.builderId}\nCan only tag from Docker builder artifacts.`);
    }
    const docker = dockerEngine();
    const image = docker.getImage(input.id);
    const tags = config.tags.length > 0 ? config.tags : ["latest"];
    let last = "";
    for (const tag of tags) {
      last = `${config.repository}:${tag}`;
      ctx.ui.message(`Tagging image: ${input.id}`);
      ctx.ui.message(`Repository: ${last}`);
      // `force` is a no-op on engines since API 1.24 (a tag always moves); it is accepted for old templates.
      await image.tag({ repo: config.repository, tag });
    }
    return {
      artifact: { builderId: BUILDER_ID_IMPORT, id: last, files: [], description: `Imported Docker image: ${last}`, state: { ImageId: input.id } },
      keepInput: true,
      forceKeepInput: true,
    };
  },
};
