/**
 * The amazon builders' spot requests, temporary IAM instance profiles and ssh_agent_auth, through
 * `kiln build` of amazon-ebs on the real AWS SDK against moto_server (EC2 and IAM on one port),
 * read on the wire through a recording pass-through where moto ignores a parameter.
 */
import test from "ava";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DescribeInstancesCommand, DescribeSpotInstanceRequestsCommand } from "@aws-sdk/client-ec2";
import { motoServerMissing } from "../../fixtures/moto-server.js";
import { amazonLeftovers, assertNoLeftovers, dialsOutsideLoopback, kilnBuild, startAmazonLab, startRecordingProxy, type AmazonLab } from "./amazon-harness.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const missing = motoServerMissing();
let lab: AmazonLab;

test.before(async () => {
  if (!missing) lab = await startAmazonLab();
});
test.after.always(async () => {
  await lab?.stop();
});

const POLICY = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject,s3:ListBucket", Resource: ["*"] }] };

function ebsTemplate(mark: string, endpoint: string, over: Record<string, unknown> = {}, provisioners: unknown[] = []): Record<string, unknown> {
  return {
    builders: [{
      type: "amazon-ebs", access_key: "testing", secret_key: "testing", region: "us-east-1",
      source_ami_filter: { filters: { name: "ubuntu/images/*ubuntu-xenial-16.04-amd64-server-*", "root-device-type": "ebs" }, owners: ["099720109477"], most_recent: true },
      ssh_username: lab.sshd.user, ssh_host: lab.sshd.host, ssh_port: lab.sshd.port, ssh_timeout: "60s",
      custom_endpoint_ec2: endpoint, ami_name: `${mark} image`, run_tags: { Mark: mark },
      ...over,
    }],
    provisioners,
  };
}

test.serial("spot_price auto with spot_instance_types and a temporary instance profile: a fleet of one spot instance from a launch template, all removed after", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(180_000);
  const proxy = await startRecordingProxy(lab.moto.endpoint);
  t.teardown(() => proxy.stop());
  const mark = `spot-${Date.now()}`;
  const r = await kilnBuild(t, lab, ebsTemplate(mark, proxy.endpoint, {
    spot_price: "auto", spot_instance_types: ["t2.micro", "t3.micro"], spot_tags: { Spot: "from {{ .SourceAMI }}" },
    temporary_iam_instance_profile_policy_document: POLICY,
  }, [{ type: "shell", inline: ["echo on the spot instance"] }]), {}, { env: { AWS_ENDPOINT_URL_IAM: proxy.endpoint } });
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Launching a spot AWS instance\.\.\./);
  t.regex(r.out, /amazon-ebs: on the spot instance/);
  const profile = /Creating temporary instance profile for this instance: (packer-[0-9a-f-]+)/.exec(r.out)?.[1];
  t.truthy(profile, r.out);
  t.notRegex(r.out, /Stopping the source instance/, "Packer does not stop spot instances");

  // The launch template asked for spot, with no maximum price for "auto", the profile and Kiln's tags.
  const [template] = proxy.calls("CreateLaunchTemplate");
  t.is(template!.get("LaunchTemplateData.InstanceMarketOptions.MarketType"), "spot");
  t.is(template!.get("LaunchTemplateData.InstanceMarketOptions.SpotOptions.MaxPrice"), null);
  t.is(template!.get("LaunchTemplateData.IamInstanceProfile.Name"), profile!);
  t.regex(template!.get("LaunchTemplateName") ?? "", /^packer-fleet-launch-template-[0-9a-z]{7}$/);
  const [fleet] = proxy.calls("CreateFleet");
  t.is(fleet!.get("Type"), "instant");
  t.is(fleet!.get("TargetCapacitySpecification.DefaultTargetCapacityType"), "spot");
  t.deepEqual([fleet!.get("LaunchTemplateConfigs.1.Overrides.1.InstanceType"), fleet!.get("LaunchTemplateConfigs.1.Overrides.2.InstanceType")], ["t2.micro", "t3.micro"]);
  const [policy] = proxy.calls("PutRolePolicy");
  t.deepEqual(JSON.parse(policy!.get("PolicyDocument")!), { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: ["*"] }] });

  const launched = await lab.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "tag:Mark", Values: [mark] }] }));
  const instance = launched.Reservations?.[0]?.Instances?.[0];
  t.is(instance?.InstanceLifecycle, "spot");
  t.is(instance?.State?.Name, "terminated");
  // spot_tags ride on the spot request from the template; the cleanup cancelled it (moto then forgets it).
  const specs = [1, 2, 3, 4].map((i) => ({ type: template!.get(`LaunchTemplateData.TagSpecification.${i}.ResourceType`), spot: template!.get(`LaunchTemplateData.TagSpecification.${i}.Tag.1.Value`) }));
  t.regex(specs.find((x) => x.type === "spot-instances-request")?.spot ?? "", /^from ami-/, JSON.stringify(specs));
  t.regex(proxy.calls("CancelSpotInstanceRequests")[0]?.get("SpotInstanceRequestId.1") ?? "", /^sir-/);
  const requests = await lab.ec2.send(new DescribeSpotInstanceRequestsCommand({}));
  t.deepEqual((requests.SpotInstanceRequests ?? []).filter((x) => x.InstanceId === instance?.InstanceId && x.State !== "cancelled"), []);
  t.regex(r.out, /us-east-1: ami-[0-9a-f]+/);
  assertNoLeftovers(t, await amazonLeftovers(lab));
  t.deepEqual(dialsOutsideLoopback(r.dials), []);
});

test.serial("a failing spot build with a maximum price removes the instance, launch template, role and profile", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  const proxy = await startRecordingProxy(lab.moto.endpoint);
  t.teardown(() => proxy.stop());
  const r = await kilnBuild(t, lab, ebsTemplate(`spotfail-${Date.now()}`, proxy.endpoint, {
    instance_type: "t2.micro", spot_price: "0.05", temporary_iam_instance_profile_policy_document: POLICY,
  }, [{ type: "shell", inline: ["exit 6"] }]));
  t.is(r.status, 1, r.out);
  t.is(proxy.calls("CreateLaunchTemplate")[0]?.get("LaunchTemplateData.InstanceMarketOptions.SpotOptions.MaxPrice"), "0.05");
  t.regex(r.out, /Deleting the spot fleet launch template packer-fleet-launch-template-/);
  t.regex(r.out, /Deleting temporary role\.\.\./);
  t.regex(r.out, /Deleting temporary instance profile\.\.\./);
  assertNoLeftovers(t, await amazonLeftovers(lab));
});

test.serial("ssh_agent_auth: no temporary key pair; the build logs in with a key held by a real ssh-agent", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  const dir = tempDirSync("kiln-agent-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, "agent.sock");
  // -D: stays in the foreground as our child, so the teardown kills exactly it.
  const agent = spawn("ssh-agent", ["-D", "-a", sock], { stdio: "ignore" });
  t.teardown(() => void agent.kill("SIGKILL"));
  const until = Date.now() + 10_000;
  while (!existsSync(sock) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  t.true(existsSync(sock), "ssh-agent did not make its socket");
  execFileSync("ssh-add", [lab.sshd.privateKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: "ignore" });
  const r = await kilnBuild(t, lab, ebsTemplate(`agent-${Date.now()}`, lab.moto.endpoint, { instance_type: "t2.micro", ssh_agent_auth: true }, [
    { type: "shell", inline: ["echo logged in through the agent"] },
  ]), {}, { env: { SSH_AUTH_SOCK: sock } });
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Using SSH Agent with key pair in Source AMI/);
  t.notRegex(r.out, /Creating temporary keypair/);
  t.regex(r.out, /amazon-ebs: logged in through the agent/);
  assertNoLeftovers(t, await amazonLeftovers(lab));
});
