/**
 * An agent advertises `aws` (and so takes amazon-ebs jobs) only when the SDK finds credentials:
 * the environment, or a profile in the shared files. The metadata services are switched off here
 * (AWS_EC2_METADATA_DISABLED) so the test never dials 169.254.169.254.
 */
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { probeAwsCredentials } from "../../../agent/builders/amazon-common/host-probe.js";
import { plugin } from "../../../agent/builders/amazon-ebs/index.js";
import { plugin as ebssurrogate } from "../../../agent/builders/amazon-ebssurrogate/index.js";
import { plugin as ebsvolume } from "../../../agent/builders/amazon-ebsvolume/index.js";
import { reapAmazonResources } from "../../../agent/builders/amazon-common/reap-resources.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

for (const k of Object.keys(process.env)) if (k.startsWith("AWS_")) delete process.env[k];
process.env.AWS_EC2_METADATA_DISABLED = "true";

function probeCtx(env: NodeJS.ProcessEnv) {
  return { env, sysModuleDir: "/nonexistent", devDir: "/nonexistent", serviceTimeoutMs: 500 };
}

function emptyFiles(): { env: NodeJS.ProcessEnv; dir: string } {
  const dir = tempDirSync("kiln-aws-probe-");
  writeFileSync(join(dir, "credentials"), "");
  writeFileSync(join(dir, "config"), "");
  return { dir, env: { AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"), AWS_CONFIG_FILE: join(dir, "config") } };
}

test("amazon-ebs declares the aws need and brings the probe that finds it", (t) => {
  t.deepEqual([...plugin.schema.needs], ["aws"]);
  t.is(plugin.hostProbe, probeAwsCredentials);
});

test("amazon-ebsvolume and amazon-ebssurrogate need aws too, with the same probe and reaper, so the same agents take them", (t) => {
  for (const p of [ebsvolume, ebssurrogate]) {
    t.deepEqual([...p.schema.needs], ["aws"], p.schema.type);
    t.is(p.hostProbe, probeAwsCredentials);
    t.is(p.leftoverReaper, reapAmazonResources);
  }
});

test("credentials in the environment are found, and never shown", async (t) => {
  const [c] = await probeAwsCredentials(probeCtx({ AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "very-secret-value" }));
  t.true(c!.ok);
  t.is(c!.capability, "aws");
  t.false(c!.why.includes("very-secret-value"));
});

test("a profile in the shared credentials file is found", async (t) => {
  const { dir, env } = emptyFiles();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE!, "[builder]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = file-secret-value\n");
  const [c] = await probeAwsCredentials(probeCtx({ ...env, AWS_PROFILE: "builder" }));
  t.true(c!.ok, c!.why);
  t.regex(c!.why, /profile "builder"/);
  t.false(c!.why.includes("file-secret-value"));
});

test("no credentials anywhere: the capability is missing, saying where it looked", async (t) => {
  t.timeout(20_000);
  const { dir, env } = emptyFiles();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [c] = await probeAwsCredentials(probeCtx(env));
  t.false(c!.ok);
  t.regex(c!.why, /no AWS credentials: not in the environment, not in profile "default"/);
});
