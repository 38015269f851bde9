/** Packer's BlockDevice.BuildEC2BlockDeviceMapping: the template's mappings → the SDK's. */
import type { BlockDeviceMapping as SdkMapping } from "@aws-sdk/client-ec2";
import type { BlockDeviceMapping } from "../../../shared/components/builders/amazon-common.js";

type VolumeType = NonNullable<SdkMapping["Ebs"]>["VolumeType"];

export function sdkBlockDevices(mappings: readonly BlockDeviceMapping[]): SdkMapping[] | undefined {
  if (mappings.length === 0) return undefined;
  return mappings.map(sdkBlockDevice);
}

export function sdkBlockDevice(m: BlockDeviceMapping): SdkMapping {
  if (m.noDevice) return { DeviceName: m.deviceName, NoDevice: "" };
  // Packer sends a virtual_name only for instance stores (ephemeralN), and no EBS part with it.
  if (m.virtualName) return { DeviceName: m.deviceName, ...(m.virtualName.startsWith("ephemeral") ? { VirtualName: m.virtualName } : {}) };
  const provisioned = m.volumeType === "io1" || m.volumeType === "io2" || m.volumeType === "gp3";
  return {
    DeviceName: m.deviceName,
    Ebs: {
      DeleteOnTermination: m.deleteOnTermination,
      VolumeType: m.volumeType as VolumeType,
      VolumeSize: m.volumeSize && m.volumeSize > 0 ? m.volumeSize : undefined,
      Iops: provisioned ? m.iops ?? 0 : undefined,
      Throughput: m.volumeType === "gp3" ? m.throughput ?? 0 : undefined,
      SnapshotId: m.snapshotId,
      Encrypted: m.encrypted,
      KmsKeyId: m.kmsKeyId,
    },
  };
}
