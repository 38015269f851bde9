/** Packer's `docker-tag` post-processor: names the image of a commit build, an import or an earlier tag. */
import { schema, type Config } from "../../../shared/components/post-processors/docker-tag.js";
import { BUILDER_ID_IMPORT } from "../../builders/docker/index.js";
import { dockerEngine } from "../../builders/docker/engine.js";
import type { PostProcessorPlugin } from "../types.js";

export const BUILDER_ID_TAG = "packer.post-processor.docker-tag";

export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    if (config.deprecatedTag) {
      ctx.ui.say(
        'Deprecation warning: "tag" option has been replaced with "tags". In future versions of Packer, this configuration may not work. Please call `packer fix` on your template to update.',
      );
    }
    if (input.builderId !== BUILDER_ID_IMPORT && input.builderId !== BUILDER_ID_TAG) {
      throw new Error(`Unknown artifact type: ${input.builderId}\nCan only tag from Docker builder artifacts.`);
    }
    const image = dockerEngine().getImage(input.id);
    // Without tags, Packer tags the bare repository (the engine makes that ":latest").
    const tags: (string | undefined)[] = config.tags.length > 0 ? config.tags : [undefined];
    const repoTags: string[] = [];
    let last = config.repository;
    for (const tag of tags) {
      const reference = tag === undefined ? config.repository : `${config.repository}:${tag}`;
      ctx.ui.message(`Tagging image: ${input.id}`);
      ctx.ui.message(`Repository: ${reference}`);
      // `force` needs nothing on engines since API 1.24 (a tag always moves); accepted for old templates.
      await image.tag({ repo: config.repository, tag: tag ?? "latest" });
      if (tag !== undefined) {
        repoTags.push(reference);
        last = reference;
      }
    }
    return {
      // Packer's ImportArtifact.String() names the tags it made, when there are some.
      artifact: {
        builderId: BUILDER_ID_TAG,
        id: last,
        files: [],
        description: repoTags.length > 0 ? `Imported Docker image: ${last} with tags ${repoTags.join(" ")}` : `Imported Docker image: ${last}`,
        state: { docker_tags: repoTags },
      },
      // Deleting the image just tagged would make the tag pointless: Packer always keeps the input.
      keepInput: true,
      forceKeepInput: true,
    };
  },
};
