/** Packer's StepAMIRegionCopy: copy the AMI to each of ami_regions and wait for the copies. */
import { CopyImageCommand } from "@aws-sdk/client-ec2";
import type { Config } from "../../../shared/components/builders/amazon-ebs.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "../amazon-common/aws-error.js";
import { waitAmiAvailable } from "./step-create-ami.js";
import type { AmisCreated, Clients } from "./state.js";

export function stepCopyAmi(config: Config): Step<Clients & AmisCreated, object> {
  return {
    name: "copy ami",
    async run(ctx, state) {
      const sourceId = state.amis[config.access.region]!;
      await Promise.all(config.amiRegions.map(async (region) => {
        ctx.ui.message(`Copying to: ${region}`);
        const ec2 = await state.clientFor(region);
        const copied = await awsCall(`CopyImage to ${region}`, () =>
          ec2.send(new CopyImageCommand({ SourceImageId: sourceId, SourceRegion: config.access.region, Name: config.amiName, Description: config.amiDescription }), { abortSignal: ctx.signal }));
        if (!copied.ImageId) throw new Error(`CopyImage to ${region} returned no image id`);
        // Recorded before the wait so a failure deregisters the copy too.
        state.amis[region] = copied.ImageId;
        await waitAmiAvailable(ctx, ec2, copied.ImageId);
      }));
      return {};
    },
  };
}
