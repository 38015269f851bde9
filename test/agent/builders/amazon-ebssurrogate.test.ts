/**
 * amazon-ebssurrogate end to end through `kiln build`, on the real AWS SDK against moto_server, the
 * loopback sshd playing the instance. moto's RegisterImage keeps only the name and description (it
 * invents its own root snapshot), so the test also reads what the builder sent, through a
 * recording pass-through on loopback: the AMI must be registered from the build's own snapshots.
 */
import test from "ava";
import { DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { motoServerMissing } from "../../fixtures/moto-server.js";
import {
  amazonLeftovers, assertNoLeftovers, dialsOutsideLoopback, kilnBuild, MOTO_CREDENTIALS, startAmazonLab, startRecordingProxy, type AmazonLab,
} from "./amazon-harness.js";

const missing = motoServerMissing();
let lab: AmazonLab;

test.before(async () => {
  if (!missing) lab = await startAmazonLab();
});
test.after.always(async () => {
  await lab?.stop();
});

function surrogateTemplate(amiName: string, endpoint: string, over: Record<string, unknown> = {}, provisioners: unknown[] = []): Record<string, unknown> {
  return {
    builders: [{
      type: "amazon-ebssurrogate", access_key: "testing", secret_key: "testing", region: "us-east-1",
      source_ami_filter: { filters: { name: "ubuntu/images/*ubuntu-xenial-16.04-amd64-server-*", "root-device-type": "ebs" }, owners: ["099720109477"], most_recent: true },
      instance_type: "t2.micro", ssh_username: lab.sshd.user, ssh_host: lab.sshd.host, ssh_port: lab.sshd.port, ssh_timeout: "60s",
      custom_endpoint_ec2: endpoint,
      ami_name: amiName, ami_virtualization_type: "hvm", ena_support: true, ami_regions: ["us-west-2"],
      launch_block_device_mappings: [
        { device_name: "/dev/xvdf", volume_type: "gp2", volume_size: 8, delete_on_termination: true },
        { device_name: "/dev/xvdg", volume_type: "gp2", volume_size: 2, delete_on_termination: true, omit_from_artifact: true },
      ],
      ami_root_device: { source_device_name: "/dev/xvdf", device_name: "/dev/xvda", delete_on_termination: true, volume_size: 8, volume_type: "gp2" },
      snapshot_tags: { Snap: "of {{ .SourceAMI }}" },
      tags: { App: "surrogate" },
      ...over,
    }],
    provisioners,
  };
}

test.serial("the surrogate volume is snapshotted and registered as the AMI's root, copied to ami_regions; temporaries gone, loopback only", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(180_000);
  const proxy = await startRecordingProxy(lab.moto.endpoint);
  t.teardown(() => proxy.stop());
  const amiName = `surrogate ${Date.now()}`;
  const r = await kilnBuild(t, lab, surrogateTemplate(amiName, proxy.endpoint, {}, [{ type: "shell", inline: ["echo writing the new root"] }]));
  t.is(r.status, 0, r.out);
  t.regex(r.out, /amazon-ebssurrogate: writing the new root/);
  t.is([...r.out.matchAll(/Creating snapshot of EBS Volume vol-/g)].length, 1, "omit_from_artifact keeps /dev/xvdg out");
  t.regex(r.out, /Registering the AMI\.\.\./);
  const east = /us-east-1: (ami-[0-9a-f]+)/.exec(r.out)?.[1];
  const west = /us-west-2: (ami-[0-9a-f]+)/.exec(r.out)?.[1];
  t.truthy(east, r.out);
  t.truthy(west, r.out);

  // What moto ignores, read from the wire: one root mapping from the build's snapshot, renamed.
  const [register] = proxy.calls("RegisterImage");
  t.truthy(register, "RegisterImage was called");
  const [snapshotCall] = proxy.calls("CreateSnapshot");
  const snapshotId = (await lab.ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: "volume-id", Values: [snapshotCall!.get("VolumeId")!] }] }))).Snapshots?.[0]?.SnapshotId;
  t.truthy(snapshotId);
  t.is(register!.get("Name"), amiName);
  t.is(register!.get("RootDeviceName"), "/dev/xvda");
  t.is(register!.get("VirtualizationType"), "hvm");
  t.is(register!.get("Architecture"), "x86_64");
  t.is(register!.get("EnaSupport"), "true");
  t.is(register!.get("BlockDeviceMapping.1.DeviceName"), "/dev/xvda");
  t.is(register!.get("BlockDeviceMapping.1.Ebs.SnapshotId"), snapshotId ?? null);
  t.is(register!.get("BlockDeviceMapping.1.Ebs.DeleteOnTermination"), "true");
  t.is(register!.get("BlockDeviceMapping.2.DeviceName"), null, "the omitted volume is not in the AMI");

  const snap = (await lab.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId!] }))).Snapshots?.[0];
  t.regex(snap?.Tags?.find((x) => x.Key === "Snap")?.Value ?? "", /^of ami-/);
  t.regex(snap?.Description ?? "", /^Packer: /);
  const image = (await lab.ec2.send(new DescribeImagesCommand({ ImageIds: [east!] }))).Images?.[0];
  t.is(image?.Name, amiName);
  t.is(image?.Tags?.find((x) => x.Key === "App")?.Value, "surrogate");
  const westEc2 = new EC2Client({ region: "us-west-2", endpoint: lab.moto.endpoint, credentials: MOTO_CREDENTIALS });
  t.teardown(() => westEc2.destroy());
  t.is((await westEc2.send(new DescribeImagesCommand({ ImageIds: [west!] }))).Images?.[0]?.Name, amiName);
  assertNoLeftovers(t, await amazonLeftovers(lab));
  t.deepEqual(dialsOutsideLoopback(r.dials), []);
});

test.serial("a failing provisioner leaves no AMI nor temporaries; Packer's surrogate checks refuse a bad root device", async (t) => {
  if (missing) return t.pass(missing);
  t.timeout(120_000);
  const amiName = `surrogate-fails ${Date.now()}`;
  const r = await kilnBuild(t, lab, surrogateTemplate(amiName, lab.moto.endpoint, { ami_regions: [] }, [{ type: "shell", inline: ["exit 5"] }]));
  t.is(r.status, 1, r.out);
  t.regex(r.out, /Cleaning up any extra volumes/);
  const images = await lab.ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [amiName] }] }));
  t.deepEqual(images.Images ?? [], []);
  assertNoLeftovers(t, await amazonLeftovers(lab));

  const bad = await kilnBuild(t, lab, surrogateTemplate(`bad ${Date.now()}`, lab.moto.endpoint, {
    ami_virtualization_type: "", ami_root_device: { source_device_name: "/dev/xvdz", device_name: "", volume_type: "gp2", iops: 100 },
  }));
  t.is(bad.status, 1);
  const text = bad.out.replace(/\s+/g, " ");
  for (const m of ["device_name for the root_device must be specified", "iops may not be specified for a gp2 volume", "ami_virtualization_type is required.", "no volume with name '/dev/xvdz' is found"]) {
    t.true(text.includes(m), `missing: ${m}\n${bad.out}`);
  }
});
