/**
 * Packer's StepAMIRegionCopy: copy the AMI to each of ami_regions — and, with encrypt_boot (or
 * skip_save_build_region), copy the intermediary image (encrypted with kms_key_id /
 * region_kms_key_ids) to the build region too, under ami_name — and wait for the copies.
 */
import { CopyImageCommand } from "@aws-sdk/client-ec2";
import type { AmiSettings } from "./state.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "./aws-error.js";
import { waitAmiAvailable } from "./ami.js";
import type { AmisCreated, Clients } from "./state.js";

export function stepCopyAmi(config: AmiSettings): Step<Clients & AmisCreated, object> {
  return {
    name: "copy ami",
    async run(ctx, state) {
      const buildRegion = config.access.region;
      const sourceId = state.intermediaryAmi ?? state.amis[buildRegion]!;
      const regions = [...(state.intermediaryAmi && !config.skipSaveBuildRegion ? [buildRegion] : []), ...config.amiRegions];
      if (regions.length === 0) return {};
      ctx.ui.say(`Copying/Encrypting AMI (${sourceId}) to other regions...`);
      const copies = regions.map(async (region) => {
        ctx.ui.message(`Copying to: ${region}`);
        const ec2 = region === buildRegion ? state.ec2 : await state.clientFor(region);
        const encrypt = config.encryptBoot === true;
        const kmsKeyId = encrypt ? config.regionKmsKeyIds[region] ?? (region === buildRegion ? config.kmsKeyId : undefined) : undefined;
        const copied = await awsCall(`CopyImage to ${region}`, () =>
          ec2.send(new CopyImageCommand({
            SourceImageId: sourceId, SourceRegion: buildRegion, Name: config.amiName, Description: config.amiDescription,
            Encrypted: config.encryptBoot, KmsKeyId: kmsKeyId || undefined,
          }), { abortSignal: ctx.signal }));
        if (!copied.ImageId) throw new Error(`CopyImage to ${region} returned no image id`);
        // Recorded before the wait so a failure deregisters the copy too.
        state.amis[region] = copied.ImageId;
        await waitAmiAvailable(ctx, ec2, copied.ImageId);
      });
      // Each copy has said "Copying to" before its first wait, as Packer's goroutines do.
      ctx.ui.message("Waiting for all copies to complete...");
      await Promise.all(copies);
      return {};
    },
  };
}
