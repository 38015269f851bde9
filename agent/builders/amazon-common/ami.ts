/** AMI helpers the AMI-making steps share: Packer's waiter, DestroyAMIs and intermediary names. */
import { randomBytes } from "node:crypto";
import { DeleteSnapshotCommand, DeregisterImageCommand, DescribeImagesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { RunContext } from "../../runner/context.js";
import { awsCall, awsErrorCode } from "./aws-error.js";
import { pollUntil } from "./poll.js";
import type { AmisCreated, Clients } from "./state.js";

/** Set by the last step: from then on the AMIs are the build's result, not leftovers. */
export interface BuildSucceeded {
  succeeded?: boolean;
}

/** Packer names the intermediary image (encrypt_boot, skip_save_build_region) with 7 random letters and digits. */
export function intermediaryAmiName(): string {
  return randomBytes(7).toString("base64").replace(/[^A-Za-z0-9]/g, "x").slice(0, 7);
}

export async function waitAmiAvailable(ctx: RunContext, ec2: EC2Client, imageId: string): Promise<void> {
  await pollUntil(async () => {
    let d;
    try {
      d = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }), { abortSignal: ctx.signal });
    } catch (e) {
      if (awsErrorCode(e) === "InvalidAMIID.NotFound") return undefined;
      throw e;
    }
    const s = d.Images?.[0]?.State;
    if (s === "available") return true;
    if (s === "failed" || s === "error" || s === "invalid") throw new Error(`AMI ${imageId} went ${s}: ${d.Images?.[0]?.StateReason?.Message ?? "no reason given"}`);
    return undefined;
  }, { what: `AMI ${imageId} to become available`, signal: ctx.signal });
}

/** Deregisters an AMI and deletes its snapshots (Packer's DestroyAMIs). */
export async function destroyAmi(ec2: EC2Client, imageId: string): Promise<void> {
  const described = await awsCall("DescribeImages", () => ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })));
  const snapshots = (described.Images?.[0]?.BlockDeviceMappings ?? []).map((b) => b.Ebs?.SnapshotId).filter((id): id is string => !!id);
  await awsCall("DeregisterImage", () => ec2.send(new DeregisterImageCommand({ ImageId: imageId })));
  for (const snapshotId of snapshots) await awsCall("DeleteSnapshot", () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
}

/**
 * The cleanup of an AMI-making step: the intermediary image goes whatever happened (the copies are
 * the result); the AMIs go too when the build did not finish (`succeeded` unset).
 */
export async function removeUnfinishedAmis(ctx: RunContext, state: Clients & Partial<AmisCreated> & BuildSucceeded, buildRegion: string): Promise<void> {
  if (state.intermediaryAmi) {
    ctx.ui.say("Deregistering the AMI and deleting unencrypted temporary AMIs and snapshots");
    await destroyAmi(state.ec2, state.intermediaryAmi);
  }
  if (state.succeeded || !state.amis) return;
  for (const [region, imageId] of Object.entries(state.amis)) {
    ctx.ui.say(`Deregistering the AMI ${imageId} in ${region} because the build did not finish`);
    const ec2 = region === buildRegion ? state.ec2 : await state.clientFor(region);
    await awsCall("DeregisterImage", () => ec2.send(new DeregisterImageCommand({ ImageId: imageId })));
  }
}
