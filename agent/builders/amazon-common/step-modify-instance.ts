/** Packer's StepModifyEBSBackedInstance: ena_support / sriov_support on the stopped instance, so the AMI inherits them. */
import { ModifyInstanceAttributeCommand } from "@aws-sdk/client-ec2";
import type { AmazonAmiConfig } from "../../../shared/components/builders/amazon-ami-config.js";
import { isSpotInstance, type AmazonRunConfig } from "../../../shared/components/builders/amazon-run-config.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "./aws-error.js";
import type { Clients, InstanceRunning } from "./state.js";

export function stepModifyInstance(config: Pick<AmazonAmiConfig, "enaSupport" | "sriovSupport"> & Pick<AmazonRunConfig, "spotPrice">): Step<Clients & InstanceRunning, object> {
  return {
    name: "modify instance",
    async run(ctx, state) {
      // Spot instances are not modified (Packer skips it; ebs and ebsvolume refuse the combination).
      if (isSpotInstance(config)) return {};
      const opts = { abortSignal: ctx.signal };
      if (config.sriovSupport) {
        ctx.ui.say("Enabling Enhanced Networking (SR-IOV)...");
        await awsCall("ModifyInstanceAttribute sriovNetSupport", () =>
          state.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: state.instanceId, SriovNetSupport: { Value: "simple" } }), opts));
      }
      if (config.enaSupport !== undefined) {
        ctx.ui.say(`${config.enaSupport ? "Enabling" : "Disabling"} Enhanced Networking (ENA)...`);
        await awsCall("ModifyInstanceAttribute enaSupport", () =>
          state.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: state.instanceId, EnaSupport: { Value: config.enaSupport } }), opts));
      }
      return {};
    },
  };
}
