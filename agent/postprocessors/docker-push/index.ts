/**
 * Packer's `docker-push` post-processor: pushes the image of a docker-import or docker-tag to its
 * registry, with `login_*` credentials when `login` is set. Packer pushes the artifact's id and
 * then every `docker_tags` entry, so the last tag went twice; Kiln pushes each name once.
 */
import type Docker from "dockerode";
import { schema, type Config } from "../../../shared/components/post-processors/docker-push.js";
import { BUILDER_ID_IMPORT } from "../../builders/docker/index.js";
import { dockerEngine } from "../../builders/docker/engine.js";
import { BUILDER_ID_TAG } from "../docker-tag/index.js";
import type { PostProcessorPlugin } from "../types.js";

export const plugin: PostProcessorPlugin<Config> = {
  schema,
  async postProcess(ctx, config, input) {
    if (input.builderId !== BUILDER_ID_IMPORT && input.builderId !== BUILDER_ID_TAG) {
      throw new Error(`Unknown artifact type: ${input.builderId}\nCan only import from docker-import and docker-tag artifacts.`);
    }
    if (config.ecrLogin) throw new Error("docker-push: ecr_login is not supported by Kiln yet; log in to ECR with login_username/login_password instead");
    const docker = dockerEngine();
    const auth = config.login
      ? { username: config.loginUsername ?? "", password: config.loginPassword ?? "", serveraddress: config.loginServer ?? "" }
      : undefined;
    if (auth) ctx.ui.message("Logging in...");
    const tags = Array.isArray(input.state?.docker_tags) ? input.state.docker_tags.filter((x): x is string => typeof x === "string") : [];
    const names = [...new Set([input.id, ...tags])];
    for (const name of names) {
      ctx.ui.message(`Pushing: ${name}`);
      await push(docker, name, auth);
    }
    return {
      artifact: { builderId: BUILDER_ID_IMPORT, id: names[0]!, files: [], description: `Imported Docker image: ${names[0]}`, state: { docker_tags: tags } },
      keepInput: true,
    };
  },
};

async function push(docker: Docker, name: string, auth: Docker.AuthConfig | undefined): Promise<void> {
  // "host:port/repo:tag": the tag is what follows the last ":" after the last "/".
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const [repo, tag] = colon > slash ? [name.slice(0, colon), name.slice(colon + 1)] : [name, "latest"];
  const stream = await docker.getImage(repo).push({ tag, ...(auth ? { authconfig: auth } : {}) });
  // Registries report failures inside the progress stream (HTTP 200): each message is checked.
  await new Promise<void>((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : failure ? reject(new Error(`pushing ${name} failed: ${failure}`)) : resolve()),
      (event: { error?: string; errorDetail?: { message?: string } }) => {
        failure ??= event.errorDetail?.message ?? event.error;
      },
    );
  });
}
