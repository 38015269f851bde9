/** Packer's StepStopEBSBackedInstance: stop the instance so its volumes are consistent for the image. */
import { StopInstancesCommand } from "@aws-sdk/client-ec2";
import type { RunSettings } from "./state.js";
import { isSpotInstance } from "../../../shared/components/builders/amazon-run-config.js";
import type { Step } from "../../runner/steps.js";
import { awsCall } from "./aws-error.js";
import { pollUntil } from "./poll.js";
import { describeInstance } from "./step-run-instance.js";
import type { Clients, InstanceRunning } from "./state.js";

export function stepStopInstance(config: RunSettings): Step<Clients & InstanceRunning, object> {
  return {
    name: "stop instance",
    async run(ctx, state) {
      // Packer skips this for spot instances (a stopped spot instance may not come back).
      if (isSpotInstance(config)) return {};
      if (config.disableStopInstance) {
        ctx.ui.say("Automatic instance stop disabled. Please stop instance manually.");
      } else {
        ctx.ui.say("Stopping the source instance...");
        await awsCall("StopInstances", () => state.ec2.send(new StopInstancesCommand({ InstanceIds: [state.instanceId] }), { abortSignal: ctx.signal }));
      }
      ctx.ui.say("Waiting for the instance to stop...");
      await pollUntil(async () => ((await describeInstance(state, state.instanceId, ctx.signal))?.State?.Name === "stopped" ? true : undefined),
        { what: `instance ${state.instanceId} to stop`, signal: ctx.signal });
      return {};
    },
  };
}
