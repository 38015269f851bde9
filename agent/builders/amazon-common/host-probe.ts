/**
 * What the amazon builders need from an agent's host: AWS credentials the SDK can find — the
 * environment, a profile in the shared credentials/config files, or a container/instance role.
 * An agent without them must not take amazon jobs (they would fail at the first call). The
 * credentials are resolved, never shown: the report names only where they came from.
 */
import type { CapabilityCheck, HostCapabilityProbe } from "../../host-probe/index.js";

export const probeAwsCredentials: HostCapabilityProbe = async (ctx) => [await findCredentials(ctx.env, ctx.serviceTimeoutMs)];

async function findCredentials(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CapabilityCheck> {
  const check = (ok: boolean, why: string): CapabilityCheck => ({ capability: "aws", ok, why });
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return check(true, "credentials in the environment (AWS_ACCESS_KEY_ID)");
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
  const profile = env.AWS_PROFILE || "default";
  // The chain's file and profile settings come from the probe's env; the metadata services are
  // asked once, briefly, so an agent off EC2 starts without waiting on 169.254.169.254.
  const provider = defaultProvider({
    profile,
    filepath: env.AWS_SHARED_CREDENTIALS_FILE,
    configFilepath: env.AWS_CONFIG_FILE,
    timeout: timeoutMs,
    maxRetries: 0,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      provider(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs * 3))),
    ]);
    return check(true, `credentials from the SDK's chain (profile "${profile}", shared files or a container/instance role)`);
  } catch (e) {
    return check(false, `no AWS credentials: not in the environment, not in profile "${profile}" of the shared files, no instance role (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
  } finally {
    clearTimeout(timer);
  }
}
