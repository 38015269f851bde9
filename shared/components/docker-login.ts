import type { ConfigReader } from "./config-reader.js";

/** Registry login keys shared by the `docker` builder (for pulls) and `docker-push`. */
export interface DockerLoginConfig {
  login: boolean;
  loginServer?: string;
  loginUsername?: string;
  /** Secret: never logged. */
  loginPassword?: string;
  ecrLogin: boolean;
  aws: { accessKey?: string; secretKey?: string; token?: string; profile?: string };
}

/** Reads the login keys; call it after the component's own checks that Packer reports first. */
export function readDockerLogin(r: ConfigReader): DockerLoginConfig {
  const config: DockerLoginConfig = {
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
  return config;
}
