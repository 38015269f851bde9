import { ConfigReader } from "../config-reader.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `docker-push` post-processor: pushes the tagged image to a registry. */
export interface Config {
  login: boolean;
  loginServer?: string;
  loginUsername?: string;
  /** Secret: never logged. */
  loginPassword?: string;
  ecrLogin: boolean;
  aws: { accessKey?: string; secretKey?: string; token?: string; profile?: string };
}

export const schema: ComponentSchema<Config> = {
  kind: "post-processor",
  type: "docker-push",
  prepare(raw, ctx) {
    const r = new ConfigReader(raw, { interpolation: ctx.interpolation });
    const config: Config = {
      login: r.bool("login"),
      loginServer: r.string("login_server") || undefined,
      loginUsername: r.string("login_username") || undefined,
      loginPassword: r.string("login_password") || undefined,
      ecrLogin: r.bool("ecr_login"),
      aws: {
        accessKey: r.string("aws_access_key") || undefined,
        secretKey: r.string("aws_secret_key") || undefined,
        token: r.string("aws_token") || undefined,
        profile: r.string("aws_profile") || undefined,
      },
    };
    if (config.ecrLogin && !config.loginServer) r.problem("login_server", "ECR login requires login server to be provided.");
    r.finish();
    return config;
  },
};
