import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";
import { readDockerLogin, type DockerLoginConfig } from "../docker-login.js";

/** Packer's `docker-push` post-processor: pushes the tagged image to a registry. */
export type Config = DockerLoginConfig;

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "docker-push",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { kind: "post-processor", interpolation: ctx.interpolation });
    const config = readDockerLogin(r);
    r.finish();
    return config;
  },
};
