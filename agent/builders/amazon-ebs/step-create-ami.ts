/**
 * Packer's StepCreateAMI: image the stopped instance and wait until the AMI is available. If the
 * build fails or is cancelled afterwards, the cleanup deregisters it (Packer does the same).
 */
import { CreateImageCommand } from "@aws-sdk/client-ec2";
import type { Config } from "../../../shared/components/builders/amazon-ebs.js";
import type { Step } from "../../runner/steps.js";
import { intermediaryAmiName, removeUnfinishedAmis, waitAmiAvailable, type BuildSucceeded } from "../amazon-common/ami.js";
import { awsCall } from "../amazon-common/aws-error.js";
import { sdkBlockDevices } from "../amazon-common/block-devices.js";
import type { AmisCreated, Clients, InstanceRunning } from "../amazon-common/state.js";

export function stepCreateAmi(config: Config): Step<Clients & InstanceRunning, AmisCreated & BuildSucceeded> {
  return {
    name: "create ami",
    async run(ctx, state) {
      const intermediary = config.encryptBoot === true || config.skipSaveBuildRegion;
      const amiName = intermediary ? intermediaryAmiName() : config.amiName;
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
      await removeUnfinishedAmis(ctx, state, config.access.region);
    },
  };
}
