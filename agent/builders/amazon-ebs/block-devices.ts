/** Packer's BlockDevices → the SDK's BlockDeviceMapping. */
import type { BlockDeviceMapping as SdkMapping } from "@aws-sdk/client-ec2";
import type { BlockDeviceMapping } from "../../../shared/components/builders/amazon-common.js";

export function sdkBlockDevices(mappings: readonly BlockDeviceMapping[]): SdkMapping[] | undefined {
  if (mappings.length === 0) return undefined;
  return mappings.map((m) => {
    if (m.noDevice) return { DeviceName: m.deviceName, NoDevice: "" };
    if (m.virtualName) return { DeviceName: m.deviceName, VirtualName: m.virtualName };
    return {
      DeviceName: m.deviceName,
      Ebs: {
        DeleteOnTermination: m.deleteOnTermination,
        VolumeType: m.volumeType as NonNullable<SdkMapping["Ebs"]>["VolumeType"],
        VolumeSize: m.volumeSize,
        Iops: m.iops,
        SnapshotId: m.snapshotId,
        Encrypted: m.encrypted,
        KmsKeyId: m.kmsKeyId,
      },
    };
  });
}
