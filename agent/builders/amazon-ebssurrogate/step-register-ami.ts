/**
 * Packer's ebssurrogate StepRegisterAMI: register an AMI from the snapshots — ami_block_device_mappings
 * plus each snapshotted launch volume, the ami_root_device's source renamed to its device_name —
 * and wait until it is available. With encrypt_boot or skip_save_build_region it is an
 * intermediary (random name) that the copies replace. A build that does not finish deregisters it.
 */
import { RegisterImageCommand, type BlockDeviceMapping as SdkMapping } from "@aws-sdk/client-ec2";
import type { Config } from "../../../shared/components/builders/amazon-ebssurrogate.js";
import type { Step } from "../../runner/steps.js";
import { intermediaryAmiName, removeUnfinishedAmis, waitAmiAvailable, type BuildSucceeded } from "../amazon-common/ami.js";
import { awsCall } from "../amazon-common/aws-error.js";
import { sdkBlockDevice } from "../amazon-common/block-devices.js";
import type { AmisCreated, Clients } from "../amazon-common/state.js";
import type { VolumesSnapshotted } from "./step-snapshot-volumes.js";

export function stepRegisterAmi(config: Config): Step<Clients & VolumesSnapshotted, AmisCreated & BuildSucceeded> {
  return {
    name: "register ami",
    async run(ctx, state) {
      ctx.ui.say("Registering the AMI...");
      const intermediary = config.encryptBoot === true || config.skipSaveBuildRegion;
      const amiName = intermediary ? intermediaryAmiName() : config.amiName;
      const registered = await awsCall("RegisterImage", () => state.ec2.send(new RegisterImageCommand({
        Name: amiName,
        Architecture: config.amiArchitecture,
        RootDeviceName: config.amiRootDevice.deviceName,
        VirtualizationType: config.amiVirtualizationType,
        BlockDeviceMappings: amiBlockDevices(config, state.snapshotIds),
        SriovNetSupport: config.sriovSupport ? "simple" : undefined,
        EnaSupport: config.enaSupport === true ? true : undefined,
      }), { abortSignal: ctx.signal }));
      const imageId = registered.ImageId;
      if (!imageId) throw new Error("RegisterImage returned no image id");
      const made = { amis: intermediary ? {} : { [config.access.region]: imageId }, ...(intermediary ? { intermediaryAmi: imageId } : {}) };
      Object.assign(state, made);
      ctx.ui.say(`AMI: ${imageId}`);
      ctx.ui.say("Waiting for AMI to become ready...");
      await waitAmiAvailable(ctx, state.ec2, imageId);
      return made;
    },
    async cleanup(ctx, state) {
      await removeUnfinishedAmis(ctx, state, config.access.region);
    },
  };
}

/**
 * Packer's combineDevices: the AMI mappings by device name, then each snapshotted launch volume
 * (its snapshot replacing size source, encryption and key, which the snapshot carries); the root
 * volume goes under ami_root_device's device_name with its delete_on_termination, type and size.
 */
export function amiBlockDevices(config: Config, snapshotIds: Record<string, string>): SdkMapping[] {
  const devices = new Map<string, SdkMapping>();
  for (const m of config.amiBlockDeviceMappings) devices.set(m.deviceName, sdkBlockDevice(m));
  const root = config.amiRootDevice;
  for (const m of config.launchBlockDeviceMappings) {
    if (m.omitFromArtifact) continue;
    const device = sdkBlockDevice(m);
    const snapshotId = snapshotIds[m.deviceName];
    if (snapshotId && device.Ebs) device.Ebs = { ...device.Ebs, SnapshotId: snapshotId, Encrypted: undefined, KmsKeyId: undefined };
    if (m.deviceName === root.sourceDeviceName) {
      device.DeviceName = root.deviceName;
      device.Ebs = {
        ...device.Ebs,
        DeleteOnTermination: root.deleteOnTermination,
        ...(root.volumeType ? { VolumeType: root.volumeType as never } : {}),
        ...(root.volumeSize > 0 ? { VolumeSize: root.volumeSize } : {}),
        ...(root.iops > 0 ? { Iops: root.iops } : {}),
      };
    }
    devices.set(device.DeviceName!, device);
  }
  return [...devices.values()];
}
