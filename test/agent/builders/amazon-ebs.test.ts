/**
 * amazon-ebs end to end through `kiln build`, on the real AWS SDK against a real moto_server, with
 * a loopback sshd playing the instance (ssh_host/ssh_port). The test plays cloud-init too: like an
 * instance fetching its key from the metadata service, it authorizes the temporary key pair's
 * public half (read back from moto) on the sshd. Nothing may dial outside 127.0.0.0/8.
 */
import test, { type ExecutionContext } from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand,
  DescribeImageAttributeCommand, DescribeImagesCommand, DescribeInstancesCommand, DescribeSnapshotsCommand, EC2Client,
} from "@aws-sdk/client-ec2";
import { CreateInstanceProfileCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { reapAmazonResources } from "../../../agent/builders/amazon-common/reap-resources.js";
import type { LogFields } from "../../../shared/operator-log.js";
import { motoServerMissing, type MotoServer } from "../../fixtures/moto-server.js";
import type { SshdFixture } from "../../fixtures/sshd.js";
import {
  SECRET_KEY, amazonLeftovers, assertNoLeftovers, dialsOutsideLoopback, kilnBuild, startAmazonLab, startRecordingProxy,
  type AmazonLab, type BuildOptions, type BuildResult, type Leftovers,
} from "./amazon-harness.js";

const missing = motoServerMissing();

let lab: AmazonLab;
let moto: MotoServer;
let sshd: SshdFixture;
let ec2: EC2Client;

test.before(async () => {
  if (missing) return;
  lab = await startAmazonLab();
  ({ moto, sshd, ec2 } = lab);
  // The issue's template launches with iam_instance_profile myBestProfile; moto checks it exists.
  await lab.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "myBestProfile" }));
});
test.after.always(async () => {
  await lab?.stop();
});

/** The issue's template, pointed at moto and the loopback sshd. */
function issueTemplate(amiName: string, over: Record<string, unknown> = {}, provisioners?: unknown[], postProcessors?: unknown[]): Record<string, unknown> {
  return {
    variables: { aws_access_key: "{{env `AWS_ACCESS_KEY_ID`}}", aws_secret_key: "", region: "us-east-1" },
    builders: [{
      type: "amazon-ebs", access_key: "{{user `aws_access_key`}}", secret_key: "{{user `aws_secret_key`}}",
      region: "{{user `region`}}",
      source_ami_filter: {
        filters: { "virtualization-type": "hvm", name: "ubuntu/images/*ubuntu-xenial-16.04-amd64-server-*", "root-device-type": "ebs" },
        owners: ["099720109477"], most_recent: true,
      },
      instance_type: "t2.micro", ssh_username: sshd.user,
      ami_name: amiName,
      tags: { App: "aTAG", BuildAt: "{{isotime \"02-Jan-06 03:04:05\"}}", Source: "{{ .SourceAMI }}", Region: "{{ .BuildRegion }}", SourceName: "{{ .SourceAMIName }}" },
      snapshot_tags: { Snap: "of {{ .SourceAMI }}" },
      ami_users: ["123456789012"], iam_instance_profile: "myBestProfile",
      custom_endpoint_ec2: moto.endpoint, ssh_host: sshd.host, ssh_port: sshd.port, ssh_timeout: "60s",
      ...over,
    }],
    provisioners: provisioners ?? [],
    ...(postProcessors ? { "post-processors": postProcessors } : {}),
  };
}

function build(t: ExecutionContext, template: Record<string, unknown>, files: Record<string, string> = {}, options: BuildOptions = {}): Promise<BuildResult> {
  return kilnBuild(t, lab, template, files, options);
}

function leftovers(): Promise<Leftovers> {
  return amazonLeftovers(lab);
}

async function imagesNamed(name: string): Promise<string[]> {
  const r = await ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [name] }] }));
  return (r.Images ?? []).map((i) => i.ImageId ?? "");
}

test.serial("the issue's template builds an AMI: provisioners ran on the instance, tags and launch permissions set, temporaries gone, loopback only", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(180_000);
  const remoteDir = await sshd.userDir();
  const amiName = `packer-example ${Date.now()}`;
  const r = await build(t, issueTemplate(amiName, {}, [
    { type: "file", source: "./welcome.txt", destination: `${remoteDir}/` },
    { type: "shell", inline: [`cat ${remoteDir}/welcome.txt`] },
  ], [{ type: "manifest", output: "manifest.json" }]), { "welcome.txt": "welcome from kiln\n" });
  t.is(r.status, 0, r.out);
  t.is(readFileSync(join(remoteDir, "welcome.txt"), "utf8"), "welcome from kiln\n");
  t.regex(r.out, /amazon-ebs: welcome from kiln/);
  t.regex(r.out, /Creating temporary keypair: packer_/);
  const m = /us-east-1: (ami-[0-9a-f]+)/.exec(r.out);
  t.truthy(m, r.out);
  const amiId = m![1]!;
  t.false(/NodeVersionSupportWarning/.test(r.out), "the SDK's Node version warning reached the build output");
  t.false(r.out.includes(SECRET_KEY), "a secret reached the output");
  const manifest = JSON.parse(readFileSync(join(r.dir, "manifest.json"), "utf8")) as { builds: { builder_type: string; artifact_id: string; files: unknown }[] };
  t.is(manifest.builds[0]?.builder_type, "amazon-ebs");
  t.is(manifest.builds[0]?.artifact_id, `us-east-1:${amiId}`);

  const images = await ec2.send(new DescribeImagesCommand({ ImageIds: [amiId] }));
  const image = images.Images![0]!;
  t.is(image.Name, amiName);
  const tags = Object.fromEntries((image.Tags ?? []).map((x) => [x.Key, x.Value]));
  t.is(tags.App, "aTAG");
  t.regex(tags.BuildAt ?? "", /^\d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d:\d\d$/);
  t.regex(tags.Source ?? "", /^ami-/);
  t.is(tags.Region, "us-east-1");
  t.regex(tags.SourceName ?? "", /ubuntu-xenial-16.04-amd64-server/);
  const perms = await ec2.send(new DescribeImageAttributeCommand({ ImageId: amiId, Attribute: "launchPermission" }));
  t.deepEqual((perms.LaunchPermissions ?? []).map((p) => p.UserId), ["123456789012"]);
  const snapshotIds = (image.BlockDeviceMappings ?? []).map((b) => b.Ebs?.SnapshotId).filter((s): s is string => !!s);
  t.true(snapshotIds.length > 0);
  const snaps = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }));
  for (const s of snaps.Snapshots ?? []) t.is(s.Tags?.find((x) => x.Key === "Snap")?.Value, `of ${tags.Source}`);

  assertNoLeftovers(t, await leftovers());
  t.true(r.dials.length > 0, "the dial recorder saw nothing: it is not hooked in");
  const outside = dialsOutsideLoopback(r.dials);
  t.deepEqual(outside, [], `dialled outside 127.0.0.0/8: ${outside.join(", ")}`);
});

test.serial("vpc_filter, subnet_filter (most_free) and security_group_filter find the network the instance launches in", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  const mark = `kiln-net-${Date.now()}`;
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.42.0.0/16", TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "Name", Value: mark }] }] }))).Vpc!;
  const small = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: "10.42.1.0/28", AvailabilityZone: "us-east-1a", TagSpecifications: [{ ResourceType: "subnet", Tags: [{ Key: "Class", Value: mark }] }] }))).Subnet!;
  const big = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: "10.42.2.0/24", AvailabilityZone: "us-east-1b", TagSpecifications: [{ ResourceType: "subnet", Tags: [{ Key: "Class", Value: mark }] }] }))).Subnet!;
  const group = await ec2.send(new CreateSecurityGroupCommand({ GroupName: mark, Description: "build hosts", VpcId: vpc.VpcId, TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "Class", Value: mark }] }] }));
  const r = await build(t, issueTemplate(`${mark} image`, {
    vpc_filter: { filters: { "tag:Name": mark } },
    subnet_filter: { filters: { "tag:Class": mark }, most_free: true },
    security_group_filter: { filters: { "tag:Class": mark } },
    run_tags: { Mark: mark },
  }));
  t.is(r.status, 0, r.out);
  t.regex(r.out, new RegExp(`Found VPC ID: ${vpc.VpcId}`));
  t.regex(r.out, new RegExp(`Found Subnet ID: ${big.SubnetId}`), "most_free picks the /24, not the /28");
  t.regex(r.out, new RegExp(`Found Security Group\\(s\\): ${group.GroupId}`));
  t.notRegex(r.out, /Creating temporary security group/);
  const launched = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Mark", Values: [mark] }] }));
  const instance = launched.Reservations?.[0]?.Instances?.[0];
  t.is(instance?.SubnetId, big.SubnetId);
  t.is(instance?.Placement?.AvailabilityZone, "us-east-1b");
  t.deepEqual((instance?.SecurityGroups ?? []).map((g) => g.GroupId), [group.GroupId]);
  t.not(small.SubnetId, big.SubnetId);

  // A subnet filter matching two without most_free/random: Packer's error, nothing launched.
  const two = await build(t, issueTemplate(`${mark} two`, { subnet_filter: { filters: { "tag:Class": mark } }, run_tags: { Mark: `${mark}-two` } }));
  t.is(two.status, 1, two.out);
  t.regex(two.out, /Your filter matched 2 Subnets\. Please try a more specific search, or set random or most_free to true\./);
  const none = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Mark", Values: [`${mark}-two`] }] }));
  t.deepEqual(none.Reservations ?? [], []);
  assertNoLeftovers(t, await leftovers());
});

test.serial("assume_role: the build runs with the role's credentials (moto keeps the assumed account apart: the AMI is there, not in the caller's)", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  const roleArn = "arn:aws:iam::111111111111:role/kiln-builder";
  const sts = new STSClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
  t.teardown(() => sts.destroy());
  const assumed = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "test" }))).Credentials!;
  const asRole = new EC2Client({ region: "us-east-1", endpoint: moto.endpoint, credentials: { accessKeyId: assumed.AccessKeyId!, secretAccessKey: assumed.SecretAccessKey!, sessionToken: assumed.SessionToken } });
  t.teardown(() => asRole.destroy());
  const amiName = `assumed ${Date.now()}`;
  const r = await build(t, issueTemplate(amiName, { assume_role: { role_arn: roleArn, session_name: "kiln-build" }, iam_instance_profile: "" }), {}, {
    env: { AWS_ENDPOINT_URL_STS: moto.endpoint },
    keyPairsFrom: asRole,
  });
  t.is(r.status, 0, r.out);
  const inRole = await asRole.send(new DescribeImagesCommand({ Filters: [{ Name: "name", Values: [amiName] }] }));
  t.is(inRole.Images?.length, 1, "the AMI is in the assumed role's account");
  t.is(inRole.Images?.[0]?.OwnerId, "111111111111");
  const inCaller = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: "name", Values: [amiName] }] }));
  t.is(inCaller.Images?.length ?? 0, 0, "and not in the caller's");
  t.false(r.out.includes(assumed.SecretAccessKey!) || r.out.includes(SECRET_KEY));
});

test.serial("a source_ami_filter that matches nothing fails clearly and creates nothing", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(60_000);
  const r = await build(t, issueTemplate(`no-match ${Date.now()}`, {
    source_ami_filter: { filters: { name: "no-such-image-*" }, owners: ["099720109477"], most_recent: true },
  }));
  t.is(r.status, 1, r.out);
  t.regex(r.out, /No AMI was found matching source_ami_filter/);
  assertNoLeftovers(t, await leftovers());
});

test.serial("an AMI name in use fails before anything is created; force_deregister replaces the old AMI", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(180_000);
  const amiName = `forced ${Date.now()}`;
  const first = await build(t, issueTemplate(amiName));
  t.is(first.status, 0, first.out);
  const [oldId] = await imagesNamed(amiName);
  t.truthy(oldId);

  const again = await build(t, issueTemplate(amiName));
  t.is(again.status, 1, again.out);
  t.regex(again.out, new RegExp(`AMI Name: '${amiName}' is used by an existing AMI: ${oldId}`));
  t.notRegex(again.out, /Launching a source AWS instance/);

  const forced = await build(t, issueTemplate(amiName, { force_deregister: true, force_delete_snapshot: true }));
  t.is(forced.status, 0, forced.out);
  t.regex(forced.out, new RegExp(`Deregistered AMI id: ${oldId}`));
  const now = await imagesNamed(amiName);
  t.is(now.length, 1);
  t.not(now[0], oldId);
  assertNoLeftovers(t, await leftovers());
});

test.serial("a failing provisioner terminates the instance, deletes the key pair and group, and leaves no AMI", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  const amiName = `fails ${Date.now()}`;
  const r = await build(t, issueTemplate(amiName, {}, [{ type: "shell", inline: ["echo about to fail", "exit 3"] }]));
  t.is(r.status, 1, r.out);
  t.regex(r.out, /Terminating the source AWS instance/);
  t.regex(r.out, /Deleting temporary keypair/);
  t.regex(r.out, /Deleting temporary security group/);
  t.deepEqual(await imagesNamed(amiName), []);
  assertNoLeftovers(t, await leftovers());
});

test.serial("Ctrl-C while provisioning terminates the instance, deletes the key pair and group, and leaves no AMI", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  const amiName = `cancelled ${Date.now()}`;
  const r = await build(t, issueTemplate(amiName, {}, [{ type: "shell", inline: ["echo provisioning-started", "sleep 60"] }]), {}, { interruptWhen: /provisioning-started/ });
  t.not(r.status, 0, r.out);
  t.regex(r.out, /Terminating the source AWS instance/);
  t.notRegex(r.out, /Creating AMI/);
  t.deepEqual(await imagesNamed(amiName), []);
  assertNoLeftovers(t, await leftovers());
});

test.serial("encrypt_boot: an intermediary image is copied encrypted under ami_name, then deregistered with its snapshots", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  const amiName = `encrypted ${Date.now()}`;
  const r = await build(t, issueTemplate(amiName, { encrypt_boot: true, ami_users: [] }));
  t.is(r.status, 0, r.out);
  const intermediary = /Creating AMI ([A-Za-z0-9]{7}) from instance/.exec(r.out);
  t.truthy(intermediary, "the build region's first image has a random 7-character name, as Packer's");
  const tempId = /Copying\/Encrypting AMI \((ami-[0-9a-f]+)\) to other regions\.\.\./.exec(r.out)?.[1];
  t.truthy(tempId, r.out);
  t.regex(r.out, /Copying to: us-east-1/);
  t.regex(r.out, /Deregistering the AMI and deleting unencrypted temporary AMIs and snapshots/);
  const finalId = /us-east-1: (ami-[0-9a-f]+)/.exec(r.out)?.[1];
  t.truthy(finalId);
  t.not(finalId, tempId);
  const final = (await ec2.send(new DescribeImagesCommand({ ImageIds: [finalId!] }))).Images?.[0];
  t.is(final?.Name, amiName);
  t.is(final?.Tags?.find((x) => x.Key === "App")?.Value, "aTAG", "tags go on the encrypted copy");
  const temp = await ec2.send(new DescribeImagesCommand({ Filters: [{ Name: "name", Values: [intermediary![1]!] }] }));
  t.deepEqual(temp.Images ?? [], [], "the intermediary image is gone");
  assertNoLeftovers(t, await leftovers());
});

test.serial("kms_key_id without encrypt_boot, and sharing an AMI encrypted with the default key, are refused as Packer refuses them", async (t) => {
  if (missing) return t.pass(missing);
  const r = await build(t, issueTemplate(`kms ${Date.now()}`, { kms_key_id: "alias/builds" }));
  t.is(r.status, 1);
  t.regex(r.out.replace(/\s+/g, " "), /If you have set either region_kms_key_ids or kms_key_id, encrypt_boot must also be true\./);
  const shared = await build(t, issueTemplate(`kms ${Date.now()}`, { encrypt_boot: true }));
  t.is(shared.status, 1);
  t.regex(shared.out.replace(/\s+/g, " "), /Cannot share AMI encrypted with default KMS key/);
});

test.serial("ami_regions copies the AMI, shares and tags each copy, and prints one line per region", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  const amiName = `copied ${Date.now()}`;
  const r = await build(t, issueTemplate(amiName, { ami_regions: ["us-west-2"] }));
  t.is(r.status, 0, r.out);
  const east = /us-east-1: (ami-[0-9a-f]+)/.exec(r.out)?.[1];
  const west = /us-west-2: (ami-[0-9a-f]+)/.exec(r.out)?.[1];
  t.truthy(east, r.out);
  t.truthy(west, r.out);
  const westEc2 = new EC2Client({ region: "us-west-2", endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
  t.teardown(() => westEc2.destroy());
  const copy = (await westEc2.send(new DescribeImagesCommand({ ImageIds: [west!] }))).Images?.[0];
  t.is(copy?.Name, amiName);
  t.is(copy?.Tags?.find((x) => x.Key === "Region")?.Value, "us-west-2");
  const perms = await westEc2.send(new DescribeImageAttributeCommand({ ImageId: west!, Attribute: "launchPermission" }));
  t.deepEqual((perms.LaunchPermissions ?? []).map((p) => p.UserId), ["123456789012"]);
  assertNoLeftovers(t, await leftovers());
});

test.serial("throttled EC2 calls are retried: a build through a proxy that answers RequestLimitExceeded still succeeds", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  // A stand-in for AWS's throttling (moto never throttles): every third call is refused.
  const proxy = await startRecordingProxy(moto.endpoint, (n) => n % 3 === 1);
  t.teardown(() => proxy.stop());
  const amiName = `throttled ${Date.now()}`;
  const r = await build(t, issueTemplate(amiName, { custom_endpoint_ec2: proxy.endpoint }));
  t.is(r.status, 0, r.out);
  t.true(proxy.throttled() >= 5, `only ${proxy.throttled()} calls were throttled`);
  t.is((await imagesNamed(amiName)).length, 1);
  assertNoLeftovers(t, await leftovers());
});

test.serial("after kill -9 mid-build, the agent's leftover reaper terminates the instance and deletes the key pair and group, saying so", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  let pid = 0;
  const r = await build(t, issueTemplate(`killed ${Date.now()}`, {}, [{ type: "shell", inline: ["echo provisioning-started", "sleep 60"] }]), {},
    { interruptWhen: /provisioning-started/, signal: "SIGKILL", onSpawn: (p) => (pid = p) });
  t.is(r.status, null, r.out);
  const before = await leftovers();
  t.is(before.liveInstances.length, 1, "kill -9 should have left the instance running");
  t.is(before.keyPairs.length, 1);
  t.is(before.groups.length, 1);

  // The agent's AWS setting, as a restarted agent on this host would have it.
  const saved = { ...process.env };
  t.teardown(() => {
    for (const k of ["AWS_REGION", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_IAM", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  Object.assign(process.env, { AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_EC2: moto.endpoint, AWS_ENDPOINT_URL_IAM: moto.endpoint, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" });
  const said: { message: string; fields?: LogFields }[] = [];
  const log = { info: (message: string, fields?: LogFields) => said.push({ message, fields }), warn: (message: string, fields?: LogFields) => said.push({ message: `WARN ${message}`, fields }), error() {} };
  // Another process's resources (a live build) must survive: only the dead pid is reaped.
  await reapAmazonResources([{ pid: pid + 100000, buildId: "other", jobIndex: 0, attempt: 1 }], log);
  t.is((await leftovers()).liveInstances.length, 1);
  await reapAmazonResources([{ pid, buildId: "b1", jobIndex: 0, attempt: 1 }], log);
  assertNoLeftovers(t, await leftovers());
  const messages = said.map((s) => s.message);
  t.false(messages.some((m) => m.startsWith("WARN")), JSON.stringify(said));
  t.true(messages.includes("terminated EC2 instances left by a dead job"));
  t.true(messages.includes("deleted an EC2 key pair left by a dead job"));
  t.true(messages.includes("deleted an EC2 security group left by a dead job"));
});
