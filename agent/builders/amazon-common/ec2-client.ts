/**
 * An EC2 client configured as Packer's AccessConfig configures its session: static keys, then
 * the SDK's default chain (environment, shared credentials/config files and `profile`, container
 * and instance roles), `custom_endpoint_ec2`, and retries with backoff for throttling.
 */
// Static, not `await import()`: a dynamic import keeps the whole namespace, so the bundler could
// not drop the ~700 EC2 operations Kiln never calls (~300 ms of module loading per build).
import { errorMessage } from "../../../shared/error-message.js";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import type { AmazonAccessConfig, AssumeRoleConfig } from "../../../shared/components/builders/amazon-common.js";

/**
 * On Node 20 the SDK's clients print a NodeVersionSupportWarning to stderr when the first one is
 * made (Node 20 is still supported by every version we install; the warning is about releases
 * after January 2027). It would land in every user's build output, so Kiln turns it off with the
 * SDK's own switch before the first client exists — unless the user set the switch themselves.
 * The lasting fix is moving the project to Node 22 (noted in ARCHITECTURE.md).
 */
function silenceNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}

/** Region, credentials (static, assumed role or the SDK's chain), profile and retries, as Packer's session sets them. */
function sessionSettings(access: AmazonAccessConfig, region: string) {
  silenceNodeVersionWarning();
  // AWS_MAX_ATTEMPTS is honoured by the SDK itself when maxAttempts is not given; max_retries wins.
  const maxAttempts = access.maxRetries > 0 ? access.maxRetries + 1 : undefined;
  // Without static keys the SDK's default chain runs, reading `profile` from the shared files.
  const base = access.accessKey && access.secretKey
    ? { accessKeyId: access.accessKey, secretAccessKey: access.secretKey, sessionToken: access.token }
    : undefined;
  const credentials = access.assumeRole ? assumedRoleCredentials(access, access.assumeRole, base, region) : base;
  return { region, credentials, profile: access.profile, ...(maxAttempts !== undefined ? { maxAttempts } : {}) };
}

export async function ec2Client(access: AmazonAccessConfig, region = access.region): Promise<EC2Client> {
  return new EC2Client({ ...sessionSettings(access, region), endpoint: access.customEndpointEc2 });
}

/**
 * IAM for the instance profile steps, with the build's credentials. IAM is global: its endpoint is
 * the SDK's own choice, as in Packer (custom_endpoint_ec2 is EC2's only); AWS_ENDPOINT_URL_IAM
 * overrides it, as for any AWS tool.
 */
export function iamClient(access: AmazonAccessConfig): IAMClient {
  return new IAMClient(sessionSettings(access, access.region));
}

/**
 * The template's region, or (left empty, as Packer allows) the one the AWS SDK finds: AWS_REGION,
 * then the profile's `region` in ~/.aws/config (AWS_DEFAULT_REGION was read with the template).
 */
export async function resolveRegion(access: AmazonAccessConfig): Promise<AmazonAccessConfig> {
  if (access.region !== "") return access;
  const probe = new EC2Client({ profile: access.profile });
  try {
    const region = await probe.config.region();
    if (region) return { ...access, region };
  } catch {
    // fall through to the message below
  } finally {
    probe.destroy();
  }
  throw new Error("no AWS region: set `region` in the builder, or AWS_REGION, or `region` in the AWS profile's config file");
}

/**
 * assume_role: the build's calls are made with the role's temporary credentials, asked of STS
 * with the template's (or the default chain's) credentials and renewed before they expire — the
 * SDK calls the provider again once `expiration` is near. STS's endpoint is the SDK's own choice
 * (AWS_ENDPOINT_URL_STS overrides it, as for any AWS tool).
 */
function assumedRoleCredentials(access: AmazonAccessConfig, role: AssumeRoleConfig, base: AwsCredentialIdentity | undefined, region: string): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  return async () => {
    if (current?.expiration && current.expiration.getTime() - Date.now() > 5 * 60_000) return current;
    const sts = new STSClient({ region: region || "us-east-1", credentials: base, profile: access.profile });
    try {
      const out = await sts.send(new AssumeRoleCommand({
        RoleArn: role.roleArn,
        RoleSessionName: role.sessionName ?? `kiln-${Date.now()}`,
        DurationSeconds: role.durationSeconds,
        ExternalId: role.externalId,
        Policy: role.policy,
        PolicyArns: role.policyArns.length > 0 ? role.policyArns.map((arn) => ({ arn })) : undefined,
        Tags: Object.keys(role.tags).length > 0 ? Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })) : undefined,
        TransitiveTagKeys: role.transitiveTagKeys.length > 0 ? role.transitiveTagKeys : undefined,
      }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS AssumeRole for ${role.roleArn} returned no credentials`);
      current = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
      return current;
    } catch (e) {
      throw new Error(`assume_role ${role.roleArn}: ${errorMessage(e)}`, { cause: e });
    } finally {
      sts.destroy();
    }
  };
}
