/**
 * Packer's stepTagEBSVolumes: once the instance runs, the ebs_volumes kept after termination
 * (delete_on_termination false) are the artifact; run_volume_tags put on them at launch are
 * removed and each volume gets its own `tags`, rendered with the source AMI's data.
 */
import { CreateTagsCommand, DeleteTagsCommand } from "@aws-sdk/client-ec2";
import type { Config } from "../../../shared/components/builders/amazon-ebsvolume.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "../amazon-common/aws-error.js";
import { toTags } from "../amazon-common/kiln-tags.js";
import type { Clients, InstanceRunning, SourceResolved } from "../amazon-common/state.js";
import { renderTags, sourceAmiData } from "../amazon-common/template-data.js";

export interface VolumesKept {
  /** The kept volumes' ids, in ebs_volumes order. */
  volumes: string[];
}

export function stepTagEbsVolumes(config: Config): Step<Clients & InstanceRunning & SourceResolved, VolumesKept> {
  return {
    name: "tag ebs volumes",
    async run(ctx, state) {
      const region = config.access.region;
      const data = sourceAmiData(region, state.sourceImage);
      const mapped = state.instance.BlockDeviceMappings ?? [];
      const volumeOf = (device: string): string | undefined => mapped.find((b) => b.DeviceName === device)?.Ebs?.VolumeId;
      const volumes = config.ebsVolumes.filter((m) => !m.deleteOnTermination).map((m) => volumeOf(m.deviceName)).filter((v): v is string => !!v);
      if (config.ebsVolumes.length === 0) return { volumes };
      const opts = { abortSignal: ctx.signal };

      const runVolumeTags = renderTags(ctx, "run_volume_tags", config.runVolumeTags, data);
      if (Object.keys(runVolumeTags).length > 0) {
        ctx.ui.say("Removing any tags applied to EBS volumes when the source instance was created...");
        ctx.ui.message("Compiling list of existing tags to remove...");
        for (const [k, v] of Object.entries(runVolumeTags)) ctx.ui.message(`Adding tag: "${k}": "${v}"`);
        const all = config.ebsVolumes.map((m) => volumeOf(m.deviceName)).filter((v): v is string => !!v);
        ctx.ui.message(`Deleting 'run_volume_tags' on EBS Volumes: ${all.join(", ")}`);
        await awsCall("DeleteTags", () => state.ec2.send(new DeleteTagsCommand({ Resources: all, Tags: toTags(runVolumeTags) }), opts));
      }

      ctx.ui.say("Tagging EBS volumes...");
      for (const mapping of config.ebsVolumes) {
        if (Object.keys(mapping.tags).length === 0) {
          ctx.ui.say(`No tags specified for volume on ${mapping.deviceName}...`);
          continue;
        }
        ctx.ui.message(`Compiling list of tags to apply to volume on ${mapping.deviceName}...`);
        const tags = renderTags(ctx, `ebs_volumes ${mapping.deviceName} tags`, mapping.tags, data);
        for (const [k, v] of Object.entries(tags)) ctx.ui.message(`Adding tag: "${k}": "${v}"`);
        const volumeId = volumeOf(mapping.deviceName);
        if (!volumeId) continue;
        ctx.ui.message(`Applying tags to EBS Volume: ${volumeId}`);
        await awsCall(`CreateTags on ${volumeId}`, () => state.ec2.send(new CreateTagsCommand({ Resources: [volumeId], Tags: toTags(tags) }), opts));
      }
      return { volumes };
    },
  };
}
