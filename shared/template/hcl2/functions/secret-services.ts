/**
 * vault, consul_key, aws_secretsmanager(_raw): they read secrets from network services Kiln does
 * not talk to. They exist (so templates parse and the message is about the service, not an
 * unknown function) and fail with a clear way out.
 */
import type { HclFunction } from "../contract.js";
import { defineFunction, fail, type ParamSpec } from "./function-spec.js";
import { stringType } from "../value/index.js";

const unavailable = (name: string, service: string, params: string[]): HclFunction =>
  defineFunction({
    params: params.map((p): ParamSpec => ({ name: p, type: stringType })),
    returnType: stringType,
    impl: () => fail(`${name} is not available in Kiln: it needs a network service (${service}); resolve the secret outside the template and pass it with -var or -var-file`),
  });

export const secretServiceFunctions: Record<string, HclFunction> = {
  vault: unavailable("vault", "HashiCorp Vault", ["path", "key"]),
  consul_key: unavailable("consul_key", "HashiCorp Consul", ["key"]),
  aws_secretsmanager: unavailable("aws_secretsmanager", "AWS Secrets Manager", ["name", "key"]),
  aws_secretsmanager_raw: unavailable("aws_secretsmanager_raw", "AWS Secrets Manager", ["name"]),
};
