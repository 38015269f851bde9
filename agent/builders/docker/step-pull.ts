/** Packer's StepPull: pulls `image` when `pull` is true (with `login*` credentials when given). */
import type Docker from "dockerode";
import type { Config } from "../../../shared/components/builders/docker.js";
import type { Step } from "../../runner/steps.js";

export function stepPull(docker: Docker, config: Config): Step<object, object> {
  return {
    name: "pull",
    async run(ctx) {
      if (!config.pull) return {};
      ctx.ui.say(`Pulling Docker image: ${config.image}`);
      const auth = config.login || config.loginUsername
        ? { username: config.loginUsername ?? "", password: config.loginPassword ?? "", serveraddress: config.loginServer ?? "" }
        : undefined;
      const stream = await docker.pull(config.image, { ...(auth ? { authconfig: auth } : {}), ...(config.platform ? { platform: config.platform } : {}) });
      // Podman reports a failed pull inside a 200 stream: every message is checked for an error.
      await new Promise<void>((resolve, reject) => {
        docker.modem.followProgress(
          stream,
          (err: Error | null) => (err ? reject(err) : resolve()),
          (event: { status?: string; error?: string; errorDetail?: { message?: string } }) => {
            const failure = event.errorDetail?.message ?? event.error;
            if (failure) reject(new Error(`pulling ${config.image} failed: ${failure}`));
            else if (event.status && !event.status.startsWith("Downloading") && !event.status.startsWith("Extracting")) ctx.ui.message(event.status);
          },
        );
      });
      return {};
    },
  };
}
