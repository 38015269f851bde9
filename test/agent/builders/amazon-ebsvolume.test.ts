/**
 * amazon-ebsvolume end to end through `kiln build`, on the real AWS SDK against moto_server, the
 * loopback sshd playing the instance: the kept ebs_volumes are the artifact, tagged with their own
 * tags (run_volume_tags removed), and outlive the instance; everything else is removed, and a
 * failed build removes the volumes too. Nothing may dial outside 127.0.0.0/8.
 */
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeVolumesCommand, type Volume } from "@aws-sdk/client-ec2";
import { motoServerMissing } from "../../fixtures/moto-server.js";
import { amazonLeftovers, assertNoLeftovers, dialsOutsideLoopback, kilnBuild, SECRET_KEY, startAmazonLab, type AmazonLab } from "./amazon-harness.js";

const missing = motoServerMissing();
let lab: AmazonLab;

test.before(async () => {
  if (!missing) lab = await startAmazonLab();
});
test.after.always(async () => {
  await lab?.stop();
});

function volumeTemplate(mark: string, over: Record<string, unknown> = {}, provisioners: unknown[] = []): Record<string, unknown> {
  return {
    variables: { aws_secret_key: "" },
    builders: [{
      type: "amazon-ebsvolume", access_key: "testing", secret_key: "{{user `aws_secret_key`}}", region: "us-east-1",
      source_ami_filter: { filters: { name: "ubuntu/images/*ubuntu-xenial-16.04-amd64-server-*", "root-device-type": "ebs" }, owners: ["099720109477"], most_recent: true },
      instance_type: "t2.micro", ssh_username: lab.sshd.user, ssh_host: lab.sshd.host, ssh_port: lab.sshd.port, ssh_timeout: "60s",
      custom_endpoint_ec2: lab.moto.endpoint,
      run_volume_tags: { Phase: "building", Mark: mark },
      ebs_volumes: [
        { device_name: "/dev/xvdf", volume_type: "gp2", volume_size: 10, delete_on_termination: false, tags: { Name: `${mark}-data`, Source: "{{ .SourceAMI }}", Region: "{{ .BuildRegion }}" } },
        { device_name: "/dev/xvdg", volume_type: "gp2", volume_size: 2, delete_on_termination: true, tags: { Name: `${mark}-scratch` } },
      ],
      ...over,
    }],
    provisioners,
    "post-processors": [{ type: "manifest", output: "manifest.json" }],
  };
}

async function volumesNamed(name: string): Promise<Volume[]> {
  return (await lab.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "tag:Name", Values: [name] }] }))).Volumes ?? [];
}

test.serial("the kept ebs_volumes are the artifact: their own tags replace run_volume_tags, they outlive the instance, temporaries gone, loopback only", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(180_000);
  const mark = `vol-${Date.now()}`;
  const r = await kilnBuild(t, lab, volumeTemplate(mark, {}, [{ type: "shell", inline: ["echo provisioned the volume host"] }]));
  t.is(r.status, 0, r.out);
  t.regex(r.out, /amazon-ebsvolume: provisioned the volume host/);
  t.regex(r.out, /Removing any tags applied to EBS volumes when the source instance was created\.\.\./);
  t.regex(r.out, /Created Volumes: EBS Volumes were created:/);
  const ids = [...r.out.matchAll(/^\s*(?:amazon-ebsvolume: )?us-east-1:(vol-[0-9a-f]+)$/gm)].map((m) => m[1]);
  const [data] = await volumesNamed(`${mark}-data`);
  t.truthy(data, "the kept volume is there, tagged with its own Name");
  t.true(ids.includes(data!.VolumeId!), `the artifact lists ${data!.VolumeId}: ${r.out}`);
  const manifest = JSON.parse(readFileSync(join(r.dir, "manifest.json"), "utf8")) as { builds: { builder_type: string; artifact_id: string }[] };
  t.is(manifest.builds[0]?.builder_type, "amazon-ebsvolume");
  t.is(manifest.builds[0]?.artifact_id, `us-east-1:${data!.VolumeId}`, "delete_on_termination volumes are not in the artifact");

  t.is(data!.State, "available", "the volume outlived the instance");
  t.is(data!.Size, 10);
  const tags = Object.fromEntries((data!.Tags ?? []).map((x) => [x.Key, x.Value]));
  t.regex(tags.Source ?? "", /^ami-[0-9a-f]+$/);
  t.is(tags.Region, "us-east-1");
  t.is(tags.Phase, undefined, "run_volume_tags are removed from the kept volume");
  t.deepEqual(Object.keys(tags).filter((k) => k.startsWith("kiln:")), [], "Kiln's reaper tags are removed from the artifact");
  t.deepEqual(await volumesNamed(`${mark}-scratch`), [], "the delete_on_termination volume went with the instance");

  assertNoLeftovers(t, await amazonLeftovers(lab));
  t.false(r.out.includes(SECRET_KEY));
  t.true(r.dials.length > 0, "the dial recorder saw nothing: it is not hooked in");
  t.deepEqual(dialsOutsideLoopback(r.dials), []);
});

test.serial("a failing provisioner terminates the instance and deletes the volumes it would have kept", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  const mark = `volfail-${Date.now()}`;
  const r = await kilnBuild(t, lab, volumeTemplate(mark, {}, [{ type: "shell", inline: ["exit 4"] }]));
  t.is(r.status, 1, r.out);
  t.regex(r.out, /Terminating the source AWS instance/);
  t.regex(r.out, /Deleting volume vol-[0-9a-f]+ because the build did not finish/);
  t.deepEqual(await volumesNamed(`${mark}-data`), []);
  const byMark = await lab.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "tag:Mark", Values: [mark] }] }));
  t.deepEqual(byMark.Volumes ?? [], []);
  assertNoLeftovers(t, await amazonLeftovers(lab));
});

test.serial("Packer 1.6.6's ebsvolume keys and checks: per-volume snapshot settings are unknown, spot with ena_support is refused", async (t) => {
  if (missing) return t.pass(missing);
  const snapshotTags = await kilnBuild(t, lab, volumeTemplate("x", { ebs_volumes: [{ device_name: "/dev/xvdf", volume_size: 1, snapshot_tags: { a: "b" } }] }));
  t.is(snapshotTags.status, 1);
  t.regex(snapshotTags.out, /unknown configuration key: '"ebs_volumes\[0\]\.snapshot_tags"'/);
  const spot = await kilnBuild(t, lab, volumeTemplate("x", { spot_price: "auto", ena_support: true }));
  t.is(spot.status, 1);
  t.regex(spot.out.replace(/\s+/g, " "), /Spot instances do not support modification, which is required when either `ena_support` or `sriov_support` are set\./);
  const noDevice = await kilnBuild(t, lab, volumeTemplate("x", { ebs_volumes: [{ volume_size: 1 }] }));
  t.regex(noDevice.out.replace(/\s+/g, " "), /AMIMapping: The `device_name` must be specified for every device in the block device mapping\./);
});
