/**
 * Packer's StepRunSourceInstance: launch the source AMI with the build's key pair, groups, network,
 * instance profile and block devices, tagged with run_tags (and Kiln's own tags for the reaper),
 * then wait until it runs. The cleanup terminates it and waits until it is gone, also after a
 * failure or cancel. With a spot_price, StepRunSpotInstance launches it instead.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { DescribeInstancesCommand, RunInstancesCommand, TerminateInstancesCommand, type Image, type Instance, type TagSpecification } from "@aws-sdk/client-ec2";
import type { BlockDeviceMapping } from "../../../shared/components/builders/amazon-common.js";
import type { RunContext } from "../../runner/context.js";
import type { Step } from "../../runner/steps.js";
import { awsCall, awsErrorCode } from "./aws-error.js";
import { kilnTags, toTags } from "./kiln-tags.js";
import { pollUntil } from "./poll.js";
import { sdkBlockDevices } from "./block-devices.js";
import type { Clients, InstanceProfileReady, InstanceRunning, KeyPairReady, NetworkResolved, RunSettings, SecurityGroupsReady, SourceResolved } from "./state.js";
import { renderTags, sourceAmiData } from "./template-data.js";

export type LaunchNeeds = Clients & SourceResolved & NetworkResolved & KeyPairReady & SecurityGroupsReady & InstanceProfileReady;

/** The volumes each builder launches with (launch_block_device_mappings, ebs_volumes) and run_volume_tags. */
export interface LaunchVolumes {
  blockDevices: readonly BlockDeviceMapping[];
  volumeTags: Record<string, string>;
}

/** Packer's run_tags (Name defaults to "Packer Builder") and run_volume_tags, each with Kiln's reaper tags, as TagSpecifications. */
export function launchTagSpecifications(ctx: RunContext, config: RunSettings, launch: LaunchVolumes, image: Image): TagSpecification[] {
  const data = sourceAmiData(config.access.region, image);
  const runTags = { Name: "Packer Builder", ...renderTags(ctx, "run_tags", config.runTags, data) };
  const volumeTags = renderTags(ctx, "run_volume_tags", launch.volumeTags, data);
  return [
    { ResourceType: "instance", Tags: [...toTags(runTags), ...kilnTags(ctx.build.name)] },
    { ResourceType: "volume", Tags: [...toTags(volumeTags), ...kilnTags(ctx.build.name)] },
  ];
}

/** The builders all launch EBS-backed images (Packer's ExpectedRootDevice "ebs"). */
export function checkRootDeviceType(image: Image): void {
  if (image.RootDeviceType !== "ebs") {
    throw new Error(`The provided source AMI has an invalid root device type.\nExpected 'ebs', got '${image.RootDeviceType ?? ""}'.`);
  }
}

export function stepRunInstance(config: RunSettings, launch: LaunchVolumes): Step<LaunchNeeds, InstanceRunning> {
  return {
    name: "run instance",
    async run(ctx, state) {
      ctx.ui.say("Launching a source AWS instance...");
      checkRootDeviceType(state.sourceImage);
      const tagSpecs = launchTagSpecifications(ctx, config, launch, state.sourceImage);
      const network = config.associatePublicIpAddress !== undefined
        ? { NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: config.associatePublicIpAddress, SubnetId: state.network.subnetId, Groups: state.securityGroupIds, DeleteOnTermination: true }] }
        : { SubnetId: state.network.subnetId, SecurityGroupIds: state.securityGroupIds };
      const placement = state.network.availabilityZone || config.tenancy
        ? { AvailabilityZone: state.network.availabilityZone, Tenancy: config.tenancy as never }
        : undefined;
      const ran = await awsCall("RunInstances", () =>
        state.ec2.send(new RunInstancesCommand({
          ImageId: state.sourceImage.ImageId,
          InstanceType: config.instanceType as never,
          MinCount: 1,
          MaxCount: 1,
          KeyName: state.keyPairName,
          UserData: config.userData ? Buffer.from(config.userData).toString("base64") : undefined,
          IamInstanceProfile: state.instanceProfile ? { Name: state.instanceProfile } : undefined,
          BlockDeviceMappings: sdkBlockDevices(launch.blockDevices),
          EbsOptimized: config.ebsOptimized || undefined,
          CreditSpecification: config.enableT2Unlimited ? { CpuCredits: "unlimited" } : undefined,
          InstanceInitiatedShutdownBehavior: config.shutdownBehavior,
          Placement: placement,
          TagSpecifications: tagSpecs,
          ...network,
        }), { abortSignal: ctx.signal }));
      const instanceId = ran.Instances?.[0]?.InstanceId;
      if (!instanceId) throw new Error("RunInstances returned no instance");
      // Let the cleanup terminate it even if the wait below fails or is cancelled.
      Object.assign(state, { instanceId });
      ctx.ui.message(`Instance ID: ${instanceId}`);
      ctx.ui.say(`Waiting for instance (${instanceId}) to become ready...`);
      return { instanceId, instance: await waitInstanceRunning(ctx, state, instanceId) };
    },
    async cleanup(ctx, state) {
      if (state.instanceId) await terminateInstance(ctx, state, state.instanceId);
    },
  };
}

export async function waitInstanceRunning(ctx: RunContext, state: Clients, instanceId: string): Promise<Instance> {
  return pollUntil(async () => {
    const i = await describeInstance(state, instanceId, ctx.signal);
    const s = i?.State?.Name;
    if (s === "running") return i;
    if (s && s !== "pending") throw new Error(`instance ${instanceId} went ${s} while waiting for it to run (${i?.StateReason?.Message ?? "no reason given"})`);
    return undefined;
  }, { what: `instance ${instanceId} to run`, signal: ctx.signal });
}

/** Terminates and waits until it is gone; not on ctx.signal, as cleanups must finish after a cancel. */
export async function terminateInstance(ctx: RunContext, state: Clients, instanceId: string): Promise<void> {
  ctx.ui.say("Terminating the source AWS instance...");
  await awsCall("TerminateInstances", () => state.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })));
  await pollUntil(async () => ((await describeInstance(state, instanceId))?.State?.Name === "terminated" ? true : undefined),
    { what: `instance ${instanceId} to terminate`, signal: new AbortController().signal });
}

export async function describeInstance(state: Clients, instanceId: string, signal?: AbortSignal): Promise<Instance | undefined> {
  try {
    const d = await state.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal: signal });
    return d.Reservations?.[0]?.Instances?.[0];
  } catch (e) {
    // EC2 is eventually consistent: a just-launched instance may not be described yet.
    if (awsErrorCode(e) === "InvalidInstanceID.NotFound") return undefined;
    throw new Error(`DescribeInstances: ${awsErrorCode(e) ?? ""} ${errorMessage(e)}`);
  }
}
