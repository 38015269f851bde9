/**
 * Packer's StepModifyAMIAttributes and StepCreateTags: launch permissions (ami_users, ami_groups),
 * snapshot create-volume permissions (snapshot_users, snapshot_groups), ENA/SR-IOV flags, and the
 * AMI's tags and its snapshots' tags, rendered with the source AMI's data, in every region.
 */
import {
  CreateTagsCommand, DescribeImagesCommand, ModifyImageAttributeCommand, ModifySnapshotAttributeCommand,
  type PermissionGroup,
} from "@aws-sdk/client-ec2";
import type { AmiSettings } from "./state.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "./aws-error.js";
import { toTags } from "./kiln-tags.js";
import type { AmisCreated, Clients, SourceResolved } from "./state.js";
import { renderTags, sourceAmiData } from "./template-data.js";

export function stepAmiAttributes(config: AmiSettings): Step<Clients & SourceResolved & AmisCreated, object> {
  return {
    name: "ami attributes",
    async run(ctx, state) {
      for (const [region, imageId] of Object.entries(state.amis)) {
        const ec2 = region === config.access.region ? state.ec2 : await state.clientFor(region);
        const data = sourceAmiData(region, state.sourceImage);
        const opts = { abortSignal: ctx.signal };
        const described = await awsCall("DescribeImages", () => ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }), opts));
        const snapshotIds = (described.Images?.[0]?.BlockDeviceMappings ?? []).map((b) => b.Ebs?.SnapshotId).filter((s): s is string => !!s);

        if (config.amiDescription) {
          await awsCall("ModifyImageAttribute description", () => ec2.send(new ModifyImageAttributeCommand({ ImageId: imageId, Description: { Value: config.amiDescription } }), opts));
        }
        const launchAdd = [
          ...config.amiUsers.map((UserId) => ({ UserId })),
          ...config.amiGroups.map((Group) => ({ Group: Group as PermissionGroup })),
        ];
        if (launchAdd.length > 0) {
          ctx.ui.say(`Modifying attributes on AMI (${imageId})...`);
          await awsCall("ModifyImageAttribute launchPermission", () =>
            ec2.send(new ModifyImageAttributeCommand({ ImageId: imageId, Attribute: "launchPermission", LaunchPermission: { Add: launchAdd } }), opts));
        }
        const volumeAdd = [
          ...config.snapshotUsers.map((UserId) => ({ UserId })),
          ...config.snapshotGroups.map((Group) => ({ Group: Group as PermissionGroup })),
        ];
        for (const snapshotId of volumeAdd.length > 0 ? snapshotIds : []) {
          ctx.ui.say(`Modifying attributes on snapshot (${snapshotId})...`);
          await awsCall("ModifySnapshotAttribute", () =>
            ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: "createVolumePermission", OperationType: "add", CreateVolumePermission: { Add: volumeAdd } }), opts));
        }
        const tags = renderTags(ctx, "tags", config.tags, data);
        if (Object.keys(tags).length > 0) {
          ctx.ui.say(`Adding tags to AMI (${imageId})...`);
          for (const [k, v] of Object.entries(tags)) ctx.ui.message(`Adding tag: "${k}": "${v}"`);
          await awsCall("CreateTags", () => ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: toTags(tags) }), opts));
        }
        const snapshotTags = renderTags(ctx, "snapshot_tags", config.snapshotTags, data);
        if (Object.keys(snapshotTags).length > 0 && snapshotIds.length > 0) {
          ctx.ui.say("Tagging snapshot: " + snapshotIds.join(", "));
          await awsCall("CreateTags", () => ec2.send(new CreateTagsCommand({ Resources: snapshotIds, Tags: toTags(snapshotTags) }), opts));
        }
      }
      return { succeeded: true };
    },
  };
}
