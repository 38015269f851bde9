/**
 * Packer's StepRunSourceInstance: launch the source AMI with the build's key pair, groups, network
 * and block devices, tagged with run_tags (and Kiln's own tags for the reaper), then wait until it
 * runs. The cleanup terminates it and waits until it is gone, also after a failure or cancel.
 */
import { DescribeInstancesCommand, RunInstancesCommand, TerminateInstancesCommand, type Instance, type TagSpecification } from "@aws-sdk/client-ec2";
import type { Config } from "../../../shared/components/builders/amazon-ebs.js";
import type { Step } from "../../runner/steps.js";
import { awsCall, awsErrorCode } from "../amazon-common/aws-error.js";
import { kilnTags, toTags } from "../amazon-common/kiln-tags.js";
import { pollUntil } from "../amazon-common/poll.js";
import { sdkBlockDevices } from "./block-devices.js";
import type { Clients, InstanceRunning, KeyPairReady, NetworkResolved, SecurityGroupsReady, SourceResolved } from "./state.js";
import { renderTags, sourceAmiData } from "./template-data.js";

type Needs = Clients & SourceResolved & NetworkResolved & KeyPairReady & SecurityGroupsReady;

export function stepRunInstance(config: Config): Step<Needs, InstanceRunning> {
  return {
    name: "run instance",
    async run(ctx, state) {
      ctx.ui.say("Launching a source AWS instance...");
      const data = sourceAmiData(config.access.region, state.sourceImage);
      const runTags = { Name: "Packer Builder", ...renderTags(ctx, "run_tags", config.runTags, data) };
      const volumeTags = renderTags(ctx, "run_volume_tags", config.runVolumeTags, data);
      const tagSpecs: TagSpecification[] = [
        { ResourceType: "instance", Tags: [...toTags(runTags), ...kilnTags(ctx.build.name)] },
        { ResourceType: "volume", Tags: [...toTags(volumeTags), ...kilnTags(ctx.build.name)] },
      ];
      const network = config.associatePublicIpAddress !== undefined
        ? { NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: config.associatePublicIpAddress, SubnetId: state.network.subnetId, Groups: state.securityGroupIds, DeleteOnTermination: true }] }
        : { SubnetId: state.network.subnetId, SecurityGroupIds: state.securityGroupIds };
      const ran = await awsCall("RunInstances", () =>
        state.ec2.send(new RunInstancesCommand({
          ImageId: state.sourceImage.ImageId,
          InstanceType: config.instanceType as never,
          MinCount: 1,
          MaxCount: 1,
          KeyName: state.keyPairName,
          UserData: config.userData ? Buffer.from(config.userData).toString("base64") : undefined,
          IamInstanceProfile: config.iamInstanceProfile ? { Name: config.iamInstanceProfile } : undefined,
          Placement: state.network.availabilityZone ? { AvailabilityZone: state.network.availabilityZone } : undefined,
          BlockDeviceMappings: sdkBlockDevices(config.launchBlockDeviceMappings),
          EbsOptimized: config.ebsOptimized || undefined,
          CreditSpecification: config.enableT2Unlimited ? { CpuCredits: "unlimited" } : undefined,
          InstanceInitiatedShutdownBehavior: config.shutdownBehavior,
          TagSpecifications: tagSpecs,
          ...network,
        }), { abortSignal: ctx.signal }));
      const instanceId = ran.Instances?.[0]?.InstanceId;
      if (!instanceId) throw new Error("RunInstances returned no instance");
      // Let the cleanup terminate it even if the wait below fails or is cancelled.
      Object.assign(state, { instanceId });
      ctx.ui.message(`Instance ID: ${instanceId}`);
      ctx.ui.say(`Waiting for instance (${instanceId}) to become ready...`);
      const instance = await pollUntil(async () => {
        const i = await describeInstance(state, instanceId, ctx.signal);
        const s = i?.State?.Name;
        if (s === "running") return i;
        if (s && s !== "pending") throw new Error(`instance ${instanceId} went ${s} while waiting for it to run (${i?.StateReason?.Message ?? "no reason given"})`);
        return undefined;
      }, { what: `instance ${instanceId} to run`, signal: ctx.signal });
      return { instanceId, instance };
    },
    async cleanup(ctx, state) {
      const instanceId = state.instanceId;
      if (!instanceId) return;
      ctx.ui.say("Terminating the source AWS instance...");
      await awsCall("TerminateInstances", () => state.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })));
      await pollUntil(async () => ((await describeInstance(state, instanceId))?.State?.Name === "terminated" ? true : undefined),
        { what: `instance ${instanceId} to terminate`, signal: new AbortController().signal });
    },
  };
}

export async function describeInstance(state: Clients, instanceId: string, signal?: AbortSignal): Promise<Instance | undefined> {
  try {
    const d = await state.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal: signal });
    return d.Reservations?.[0]?.Instances?.[0];
  } catch (e) {
    // EC2 is eventually consistent: a just-launched instance may not be described yet.
    if (awsErrorCode(e) === "InvalidInstanceID.NotFound") return undefined;
    throw new Error(`DescribeInstances: ${awsErrorCode(e) ?? ""} ${e instanceof Error ? e.message : String(e)}`);
  }
}
