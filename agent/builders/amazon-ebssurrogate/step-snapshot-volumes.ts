/**
 * Packer's ebssurrogate StepSnapshotVolumes: snapshot every launched volume not marked
 * omit_from_artifact (all at once), tagged with snapshot_tags, and wait until each completes. If
 * the build then fails or is cancelled, the cleanup deletes them.
 */
import { CreateSnapshotCommand, DeleteSnapshotCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import type { Config } from "../../../shared/components/builders/amazon-ebssurrogate.js";
import type { RunContext } from "../../runner/context.js";
import type { Step } from "../../runner/steps.js";
import type { BuildSucceeded } from "../amazon-common/ami.js";
import { awsCall } from "../amazon-common/aws-error.js";
import { toTags } from "../amazon-common/kiln-tags.js";
import { pollUntil } from "../amazon-common/poll.js";
import type { Clients, InstanceRunning, SourceResolved } from "../amazon-common/state.js";
import { renderTags, sourceAmiData } from "../amazon-common/template-data.js";

export interface VolumesSnapshotted {
  /** Snapshot id per launched device name. */
  snapshotIds: Record<string, string>;
}

export function stepSnapshotVolumes(config: Config): Step<Clients & InstanceRunning & SourceResolved, VolumesSnapshotted & BuildSucceeded> {
  return {
    name: "snapshot volumes",
    async run(ctx, state) {
      const snapshotIds: Record<string, string> = {};
      // Recorded as each is made, so the cleanup deletes them even if a wait fails.
      Object.assign(state, { snapshotIds });
      const devices = config.launchBlockDeviceMappings.filter((d) => !d.omitFromArtifact);
      const results = await Promise.allSettled(devices.map((d) => snapshotVolume(ctx, state, d.deviceName, snapshotIds)));
      const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
      if (failures.length > 0) throw new Error(failures.join("\n"));
      return { snapshotIds };
    },
    async cleanup(ctx, state) {
      const ids = Object.values(state.snapshotIds ?? {});
      if (state.succeeded || ids.length === 0) return;
      ctx.ui.say("Removing snapshots since we cancelled or halted...");
      for (const snapshotId of ids) await awsCall("DeleteSnapshot", () => state.ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
    },
  };

  async function snapshotVolume(ctx: RunContext, state: Clients & InstanceRunning & SourceResolved, deviceName: string, into: Record<string, string>): Promise<void> {
    const volumeId = (state.instance.BlockDeviceMappings ?? []).find((b) => b.DeviceName === deviceName)?.Ebs?.VolumeId;
    if (!volumeId) throw new Error(`Volume ID for device ${deviceName} not found`);
    ctx.ui.say("Creating snapshot tags");
    const tags = renderTags(ctx, "snapshot_tags", config.snapshotTags, sourceAmiData(config.access.region, state.sourceImage));
    for (const [k, v] of Object.entries(tags)) ctx.ui.message(`Adding tag: "${k}": "${v}"`);
    ctx.ui.say(`Creating snapshot of EBS Volume ${volumeId}...`);
    const created = await awsCall("CreateSnapshot", () => state.ec2.send(new CreateSnapshotCommand({
      VolumeId: volumeId,
      Description: `Packer: ${new Date().toString()}`,
      TagSpecifications: Object.keys(tags).length > 0 ? [{ ResourceType: "snapshot", Tags: toTags(tags) }] : undefined,
    }), { abortSignal: ctx.signal }));
    const snapshotId = created.SnapshotId;
    if (!snapshotId) throw new Error(`CreateSnapshot of ${volumeId} returned no snapshot id`);
    into[deviceName] = snapshotId;
    await pollUntil(async () => {
      const d = await state.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }), { abortSignal: ctx.signal });
      const s = d.Snapshots?.[0];
      if (s?.State === "completed") return true;
      if (s?.State === "error") throw new Error(`snapshot ${snapshotId} of ${volumeId} failed: ${s.StateMessage ?? "no reason given"}`);
      return undefined;
    }, { what: `snapshot ${snapshotId} to complete`, signal: ctx.signal });
  }
}
