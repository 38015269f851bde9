/**
 * Packer's StepPreValidate: fail before creating anything when an AMI of this name already exists
 * in the account, unless force_deregister will replace it.
 */
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import type { Config } from "../../../shared/components/builders/amazon-ebs.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "../amazon-common/aws-error.js";
import type { Clients } from "./state.js";

export function stepPreValidate(config: Config): Step<Clients, object> {
  return {
    name: "pre-validate",
    async run(ctx, state) {
      if (config.forceDeregister) {
        ctx.ui.say("Force Deregister flag found, skipping prevalidating AMI Name");
        return {};
      }
      ctx.ui.say(`Prevalidating AMI Name: ${config.amiName}`);
      for (const region of [config.access.region, ...config.amiRegions]) {
        const ec2 = region === config.access.region ? state.ec2 : await state.clientFor(region);
        const found = await awsCall("DescribeImages", () =>
          ec2.send(new DescribeImagesCommand({ Owners: ["self"], Filters: [{ Name: "name", Values: [config.amiName] }] }), { abortSignal: ctx.signal }));
        const existing = found.Images?.[0];
        if (existing) throw new Error(`Error: AMI Name: '${config.amiName}' is used by an existing AMI: ${existing.ImageId} in ${region} (set force_deregister to replace it)`);
      }
      return {};
    },
  };
}
