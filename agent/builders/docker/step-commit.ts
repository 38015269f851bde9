/** Packer's StepCommit: the container becomes an image (with `changes`, `author`, `message`). */
import type { Config } from "../../../shared/components/builders/docker.js";
import type { Step } from "../../runner/steps.js";
import type { ContainerStarted } from "./step-run-container.js";

export interface Committed {
  imageId: string;
}

export function stepCommit(config: Config): Step<ContainerStarted, Committed> {
  return {
    name: "commit",
    async run(ctx, state) {
      ctx.ui.say("Committing the container");
      // Empty query parameters upset the engine: only the keys the template set are sent.
      const options: Record<string, unknown> = { pause: true };
      if (config.changes.length > 0) options.changes = config.changes;
      if (config.author) options.author = config.author;
      if (config.message) options.comment = config.message;
      const result = (await state.container.commit(options)) as { Id: string };
      // Podman answers without the "sha256:" prefix.
      const imageId = result.Id.startsWith("sha256:") ? result.Id : `sha256:${result.Id}`;
      ctx.ui.message(`Image ID: ${imageId}`);
      return { imageId };
    },
  };
}
