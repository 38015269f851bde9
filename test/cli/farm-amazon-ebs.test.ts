/**
 * amazon-ebs on a farm: the job goes only to an agent that has AWS credentials (`aws`), the AMI
 * ids come back to the client (`us-east-1: ami-…`, in the build record and `kiln artifacts`), the
 * secret passed with -var shows nowhere, and nothing is left in EC2. Real nats-server, controller,
 * agents, CLI, moto_server (EC2) and a loopback sshd playing the instance; nothing dials moto's
 * invented instance addresses (ssh_host is the loopback sshd).
 */
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { DescribeImagesCommand, DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { probeHost, startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { startController } from "../../controller/index.js";
import { FarmClient } from "../../proto/gen/kiln/v1/farm.js";
import { startNatsServer } from "../fixtures/nats-server.js";
import { startSshd } from "../fixtures/sshd.js";
import { authorizeKeyPairsUntil, motoServerMissing, startMotoServer } from "../fixtures/moto-server.js";
import { runKilnCli } from "../fixtures/kiln-cli.js";
import { rpc, waitFor } from "../controller/farm-harness.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const missing = motoServerMissing();
if (missing) console.log(`farm-amazon-ebs.test: ${missing}`);
const SECRET_KEY = "kiln-Farm-Secret-7c2e";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
// The agents run in this process: never ask an instance metadata service (169.254.169.254).
process.env.AWS_EC2_METADATA_DISABLED = "true";

(missing ? test.skip : test)("amazon-ebs on a farm: only an agent with AWS credentials takes it; the AMI ids come back; no secret shown; nothing left in EC2", async (t) => {
  t.timeout(240_000);
  const [nats, moto, sshd] = await Promise.all([startNatsServer(), startMotoServer(), startSshd()]);
  t.teardown(() => Promise.all([nats.stop(), moto.stop(), sshd.stop()]).then(() => undefined));
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, sweepIntervalMs: 200 });
  t.teardown(() => controller.stop());
  const client = new FarmClient(`127.0.0.1:${controller.port}`, credentials.createInsecure());
  t.teardown(() => client.close());
  const ec2 = new EC2Client({ region: "us-east-1", endpoint: moto.endpoint, credentials: { accessKeyId: "testing", secretAccessKey: "testing" } });
  t.teardown(() => ec2.destroy());
  const agents: AgentHandle[] = [];
  t.teardown(async () => {
    for (const a of agents) await a.stop();
  });

  // Both agents could run amazon-ebs; only one has credentials (its probe found them).
  const probe = await probeHost();
  const withoutAws = { ...probe, capabilities: probe.capabilities.filter((c) => c !== "aws") };
  const withAws = { ...probe, capabilities: [...new Set([...probe.capabilities, "aws"])] };
  agents.push(await startAgent({ nats: { url: nats.url }, name: "agent-no-aws", builders: ["null"], probe: withoutAws, pullExpiresMs: 1000 }));

  const dir = tempDirSync("kiln-farm-amazon-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const amiName = `kiln-farm-${Date.now()}`;
  writeFileSync(
    join(dir, "template.json"),
    JSON.stringify({
      variables: { aws_access_key: "{{env `AWS_ACCESS_KEY_ID`}}", aws_secret_key: "", region: "us-east-1" },
      builders: [{
        type: "amazon-ebs", access_key: "{{user `aws_access_key`}}", secret_key: "{{user `aws_secret_key`}}", region: "{{user `region`}}",
        source_ami_filter: { filters: { "virtualization-type": "hvm", name: "ubuntu/images/*ubuntu-xenial-16.04-amd64-server-*", "root-device-type": "ebs" }, owners: ["099720109477"], most_recent: true },
        instance_type: "t2.micro", ssh_username: sshd.user, ami_name: amiName, tags: { App: "farm" },
        custom_endpoint_ec2: moto.endpoint, ssh_host: sshd.host, ssh_port: sshd.port, ssh_timeout: "60s",
      }],
      provisioners: [{ type: "shell", inline: ["echo provisioned on the farm"] }],
    }),
  );
  const running = runKilnCli(["build", "-color=false", `--controller=127.0.0.1:${controller.port}`, "-var", `aws_secret_key=${SECRET_KEY}`, "template.json"], {
    cwd: dir,
    env: { KILN_TOKEN: "", AWS_ACCESS_KEY_ID: "testing" },
    killAfterMs: 200_000,
  });

  const waiting = await waitFor(
    "the job to wait for an agent with AWS credentials",
    async () => {
      const id = (await rpc.listBuilds(client)).builds[0]?.id;
      if (!id) return undefined;
      const build = await rpc.getBuild(client, id);
      return build.jobs[0]?.waitingFor ? build : undefined;
    },
    30_000,
  );
  t.regex(waiting.jobs[0]!.waitingFor, /aws/);
  t.is(waiting.jobs[0]!.agent, "", "the agent without credentials did not take it");

  agents.push(await startAgent({ nats: { url: nats.url }, name: "agent-aws", builders: ["amazon-ebs"], probe: withAws, pullExpiresMs: 1000 }));
  // Play cloud-init: the temporary key pair's public half goes on the "instance" (the sshd).
  await authorizeKeyPairsUntil(ec2, sshd, running);
  const r = await running;
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stderr, /amazon-ebs: running on agent agent-aws/);
  t.regex(r.stdout, /provisioned on the farm/);
  const artifactLine = /--> amazon-ebs: AMIs were created:\nus-east-1: (ami-[0-9a-f]+)/.exec(r.stdout);
  t.truthy(artifactLine, r.stdout);
  const amiId = artifactLine![1]!;

  const images = await ec2.send(new DescribeImagesCommand({ ImageIds: [amiId] }));
  t.is(images.Images?.[0]?.Name, amiName);
  const done = await rpc.getBuild(client, waiting.id);
  t.is(done.jobs[0]!.agent, "agent-aws");
  t.true(JSON.stringify(done.jobs[0]!.artifacts).includes(`us-east-1:${amiId}`), JSON.stringify(done.jobs[0]!.artifacts));
  const listed = await runKilnCli(["artifacts", `--controller=127.0.0.1:${controller.port}`, waiting.id], { cwd: dir, env: { KILN_TOKEN: "" }, killAfterMs: 30_000 });
  t.regex(listed.stdout + listed.stderr, new RegExp(amiId));

  // The secret is nowhere a user or an operator reads.
  for (const text of [r.stdout, r.stderr, JSON.stringify(done), listed.stdout]) t.false(text.includes(SECRET_KEY));

  // Nothing left: the instance terminated, the temporary key pair and security group deleted.
  const keys = await ec2.send(new DescribeKeyPairsCommand({}));
  t.deepEqual((keys.KeyPairs ?? []).filter((k) => k.KeyName?.startsWith("packer_")).map((k) => k.KeyName), []);
  const groups = await ec2.send(new DescribeSecurityGroupsCommand({}));
  t.deepEqual((groups.SecurityGroups ?? []).filter((g) => g.GroupName?.startsWith("packer_")).map((g) => g.GroupName), []);
  const instances = await ec2.send(new DescribeInstancesCommand({}));
  const live = (instances.Reservations ?? []).flatMap((res) => res.Instances ?? []).filter((i) => i.State?.Name !== "terminated");
  t.deepEqual(live.map((i) => i.InstanceId), []);
});
