/** AWS failures shown as Packer users expect them: the call, the AWS error code, and what to check. */
import { errorMessage } from "../../../shared/error-message.js";

const HINTS: Record<string, string> = {
  AuthFailure: "check access_key/secret_key, the profile or the environment's AWS credentials",
  UnauthorizedOperation: "the credentials lack an IAM permission for this call (decode_authorization_messages shows which)",
  InvalidAMIID: "check source_ami exists in this region and is visible to the account",
  InvalidKeyPair: "check ssh_keypair_name exists in this region",
  InvalidGroup: "check security_group_id(s) exist in this region and VPC",
  InvalidSubnetID: "check subnet_id exists in this region",
  RequestLimitExceeded: "AWS throttled the calls; raise AWS_MAX_ATTEMPTS or max_retries",
  InvalidParameterValue: "check the value named in the message",
};

export class AwsCallError extends Error {
  constructor(readonly call: string, readonly code: string | undefined, readonly original: unknown) {
    const message = errorMessage(original);
    const hint = code ? Object.entries(HINTS).find(([prefix]) => code.startsWith(prefix))?.[1] : undefined;
    super(`${call}: ${code ? `${code}: ` : ""}${message}${hint ? ` (${hint})` : ""}`);
    this.name = "AwsCallError";
  }
}

/** Runs one SDK call, turning its failure into an AwsCallError naming the call. */
export async function awsCall<T>(call: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Error && e.name === "AbortError") throw e;
    throw new AwsCallError(call, awsErrorCode(e), e);
  }
}

export function awsErrorCode(e: unknown): string | undefined {
  if (e && typeof e === "object") {
    const code = (e as { Code?: unknown; name?: unknown }).Code ?? (e as { name?: unknown }).name;
    if (typeof code === "string" && code !== "Error") return code;
  }
  return undefined;
}
