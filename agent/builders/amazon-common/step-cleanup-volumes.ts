/**
 * Packer's StepCleanupVolumes: nothing to do at first; its cleanup, which runs after the instance
 * is terminated, deletes the instance's volumes that survived it ("available") and that the
 * template did not ask for (launch mappings are kept: delete_on_termination false was wanted).
 */
import { DeleteVolumeCommand, DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import type { BlockDeviceMapping } from "../../../shared/components/builders/amazon-common.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "./aws-error.js";
import type { Clients, InstanceRunning } from "./state.js";

export function stepCleanupVolumes(launchMappings: readonly BlockDeviceMapping[]): Step<Clients, Partial<InstanceRunning>> {
  return {
    name: "cleanup volumes",
    async run() {
      return {};
    },
    async cleanup(ctx, state) {
      const instance = state.instance;
      if (!instance) {
        ctx.ui.say("No volumes to clean up, skipping");
        return;
      }
      ctx.ui.say("Cleaning up any extra volumes...");
      const devices = new Map<string, string>();
      for (const b of instance.BlockDeviceMappings ?? []) if (b.Ebs?.VolumeId && b.DeviceName) devices.set(b.Ebs.VolumeId, b.DeviceName);
      if (devices.size === 0) {
        ctx.ui.say("No volumes to clean up, skipping");
        return;
      }
      const described = await awsCall("DescribeVolumes", () => state.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "volume-id", Values: [...devices.keys()] }] })));
      const wanted = new Set(launchMappings.map((m) => m.deviceName));
      const leftovers = (described.Volumes ?? []).filter((v) => v.State === "available" && v.VolumeId && !wanted.has(devices.get(v.VolumeId) ?? ""));
      if (leftovers.length === 0) {
        ctx.ui.say("No volumes to clean up, skipping");
        return;
      }
      for (const v of leftovers) {
        ctx.ui.say(`Destroying volume (${v.VolumeId})...`);
        await awsCall("DeleteVolume", () => state.ec2.send(new DeleteVolumeCommand({ VolumeId: v.VolumeId })));
      }
    },
  };
}
