/**
 * Who owns the volumes the instance leaves behind. Placed before the launch, so its cleanup runs
 * after the instance is terminated: a build that did not finish deletes them (Packer 1.6.6 left
 * them behind; Kiln leaves nothing after a failure). The last step hands them to the user: it
 * removes Kiln's reaper tags, so no later reaping mistakes the artifact for a crash's leftover.
 */
import { DeleteTagsCommand, DeleteVolumeCommand, DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import type { BuildSucceeded } from "../amazon-common/ami.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "../amazon-common/aws-error.js";
import { KILN_BUILD_TAG, KILN_HOST_TAG, KILN_PID_TAG } from "../amazon-common/kiln-tags.js";
import type { Clients, InstanceRunning } from "../amazon-common/state.js";
import type { VolumesKept } from "./step-tag-ebs-volumes.js";

export function stepDeleteVolumesUnlessBuilt(): Step<Clients, Partial<InstanceRunning> & BuildSucceeded> {
  return {
    name: "delete volumes unless built",
    async run() {
      return {};
    },
    async cleanup(ctx, state) {
      if (state.succeeded || !state.instance) return;
      const ids = (state.instance.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId).filter((v): v is string => !!v);
      if (ids.length === 0) return;
      const described = await awsCall("DescribeVolumes", () => state.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "volume-id", Values: ids }] })));
      for (const v of described.Volumes ?? []) {
        if (v.State !== "available" || !v.VolumeId) continue;
        ctx.ui.say(`Deleting volume ${v.VolumeId} because the build did not finish...`);
        await awsCall("DeleteVolume", () => state.ec2.send(new DeleteVolumeCommand({ VolumeId: v.VolumeId })));
      }
    },
  };
}

export function stepReleaseVolumes(): Step<Clients & VolumesKept, BuildSucceeded> {
  return {
    name: "release volumes",
    async run(ctx, state) {
      if (state.volumes.length > 0) {
        const kiln = [KILN_BUILD_TAG, KILN_HOST_TAG, KILN_PID_TAG].map((Key) => ({ Key }));
        await awsCall("DeleteTags", () => state.ec2.send(new DeleteTagsCommand({ Resources: state.volumes, Tags: kiln }), { abortSignal: ctx.signal }));
      }
      return { succeeded: true };
    },
  };
}
