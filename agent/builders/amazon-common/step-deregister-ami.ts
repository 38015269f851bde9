/**
 * Packer's StepDeregisterAMI: with force_deregister, remove AMIs of the same name in every target
 * region (and their snapshots with force_delete_snapshot) just before the new one is created.
 */
import { DeleteSnapshotCommand, DeregisterImageCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import type { AmiSettings } from "./state.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "./aws-error.js";
import type { Clients } from "./state.js";

export function stepDeregisterAmi(config: AmiSettings): Step<Clients, object> {
  return {
    name: "deregister ami",
    async run(ctx, state) {
      if (!config.forceDeregister) return {};
      for (const region of [config.access.region, ...config.amiRegions]) {
        const ec2 = region === config.access.region ? state.ec2 : await state.clientFor(region);
        const found = await awsCall("DescribeImages", () =>
          ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [config.amiName] }] }), { abortSignal: ctx.signal }));
        for (const image of found.Images ?? []) {
          await awsCall("DeregisterImage", () => ec2.send(new DeregisterImageCommand({ ImageId: image.ImageId }), { abortSignal: ctx.signal }));
          ctx.ui.say(`Deregistered AMI id: ${image.ImageId}`);
          if (!config.forceDeleteSnapshot) continue;
          for (const b of image.BlockDeviceMappings ?? []) {
            const snapshotId = b.Ebs?.SnapshotId;
            if (!snapshotId) continue;
            await awsCall("DeleteSnapshot", () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }), { abortSignal: ctx.signal }));
            ctx.ui.say(`Deleted snapshot: ${snapshotId}`);
          }
        }
      }
      return {};
    },
  };
}
