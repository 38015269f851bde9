/**
 * Packer's StepCreateAMI: image the stopped instance and wait until the AMI is available. If the
 * build fails or is cancelled afterwards, the cleanup deregisters it (Packer does the same).
 */
import { randomBytes } from "node:crypto";
import { CreateImageCommand, DeleteSnapshotCommand, DeregisterImageCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import type { Config } from "../../../shared/components/builders/amazon-ebs.js";
import type { RunContext } from "../../runner/context.js";
import type { Step } from "../../runner/steps.js";
import { awsCall, awsErrorCode } from "../amazon-common/aws-error.js";
import { pollUntil } from "../amazon-common/poll.js";
import { sdkBlockDevices } from "./block-devices.js";
import type { AmisCreated, Clients, InstanceRunning } from "./state.js";
import type { EC2Client } from "@aws-sdk/client-ec2";

/** Set by the last step: from then on the AMIs are the build's result, not leftovers. */
export interface BuildSucceeded {
  succeeded?: boolean;
}

export function stepCreateAmi(config: Config): Step<Clients & InstanceRunning, AmisCreated & BuildSucceeded> {
  return {
    name: "create ami",
    async run(ctx, state) {
      const intermediary = config.encryptBoot === true || config.skipSaveBuildRegion;
      // Packer names the intermediary image with 7 random letters and digits.
      const amiName = intermediary ? randomBytes(7).toString("base64").replace(/[^A-Za-z0-9]/g, "x").slice(0, 7) : config.amiName;
      ctx.ui.say(`Creating AMI ${amiName} from instance ${state.instanceId}`);
      const created = await awsCall("CreateImage", () =>
        state.ec2.send(new CreateImageCommand({
          InstanceId: state.instanceId,
          Name: amiName,
          Description: config.amiDescription,
          BlockDeviceMappings: sdkBlockDevices(config.amiBlockDeviceMappings),
        }), { abortSignal: ctx.signal }));
      const imageId = created.ImageId;
      if (!imageId) throw new Error("CreateImage returned no image id");
      const amis: Record<string, string> = intermediary ? {} : { [config.access.region]: imageId };
      const made = { amis, ...(intermediary ? { intermediaryAmi: imageId } : {}) };
      Object.assign(state, made);
      ctx.ui.message(`AMI: ${imageId}`);
      ctx.ui.say("Waiting for AMI to become ready...");
      await waitAmiAvailable(ctx, state.ec2, imageId);
      return made;
    },
    async cleanup(ctx, state) {
      if (state.intermediaryAmi) {
        // Success or not, as Packer's StepAMIRegionCopy cleanup: the copies are the result.
        ctx.ui.say("Deregistering the AMI and deleting unencrypted temporary AMIs and snapshots");
        await destroyAmi(state.ec2, state.intermediaryAmi);
      }
      if (state.succeeded || !state.amis) return;
      for (const [region, imageId] of Object.entries(state.amis)) {
        ctx.ui.say(`Deregistering the AMI ${imageId} in ${region} because the build did not finish`);
        const ec2 = region === config.access.region ? state.ec2 : await state.clientFor(region);
        await awsCall("DeregisterImage", () => ec2.send(new DeregisterImageCommand({ ImageId: imageId })));
      }
    },
  };
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
