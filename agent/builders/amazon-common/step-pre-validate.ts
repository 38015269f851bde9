/**
 * Packer's StepPreValidate: check the credentials resolve (unless skip_credential_validation) and
 * the build and copy regions exist (unless skip_region_validation), then fail before creating
 * anything when an AMI of this name is already visible, unless force_deregister will replace it.
 */
import { errorMessage } from "../../../shared/error-message.js";
import { DescribeImagesCommand, DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import type { AmiSettings } from "./state.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "./aws-error.js";
import type { Clients } from "./state.js";

/** `amiName` undefined (amazon-ebsvolume makes no AMI): only the credentials and regions are checked. */
export function stepPreValidate(config: Pick<AmiSettings, "access" | "amiRegions" | "forceDeregister"> & { amiName?: string }): Step<Clients, object> {
  return {
    name: "pre-validate",
    async run(ctx, state) {
      if (!config.access.skipCredentialValidation) {
        try {
          await state.ec2.config.credentials();
        } catch (e) {
          throw new Error(`no AWS credentials found (${errorMessage(e)}): set access_key and secret_key, the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY environment, a profile in the shared credentials file, or run where an instance role applies`);
        }
      }
      if (!config.access.skipRegionValidation) {
        const listed = await awsCall("DescribeRegions", () => state.ec2.send(new DescribeRegionsCommand({ AllRegions: true }), { abortSignal: ctx.signal }));
        const known = new Set((listed.Regions ?? []).map((r) => r.RegionName));
        const invalid = [config.access.region, ...config.amiRegions].filter((r) => !known.has(r));
        if (invalid.length > 0) throw new Error(`error validating regions: Invalid region(s): ${invalid.join(", ")} (check region and ami_regions, or set skip_region_validation)`);
      }
      const amiName = config.amiName;
      if (amiName === undefined) return {};
      if (config.forceDeregister) {
        ctx.ui.say("Force Deregister flag found, skipping prevalidating AMI Name");
        return {};
      }
      ctx.ui.say(`Prevalidating AMI Name: ${amiName}`);
      for (const region of [config.access.region, ...config.amiRegions]) {
        const ec2 = region === config.access.region ? state.ec2 : await state.clientFor(region);
        // No owner, as in Packer: any AMI of this name the account can see blocks the build.
        const found = await awsCall("DescribeImages", () =>
          ec2.send(new DescribeImagesCommand({ Filters: [{ Name: "name", Values: [amiName] }] }), { abortSignal: ctx.signal }));
        const existing = found.Images?.[0];
        if (existing) throw new Error(`Error: AMI Name: '${amiName}' is used by an existing AMI: ${existing.ImageId} in ${region} (set force_deregister to replace it)`);
      }
      return {};
    },
  };
}
