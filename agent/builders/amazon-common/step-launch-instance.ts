/** The instance step Packer picks: a spot request when spot_price is set, else RunInstances. */
import { isSpotInstance } from "../../../shared/components/builders/amazon-run-config.js";
import type { Step } from "../../runner/steps.js";
import type { InstanceRunning, RunSettings } from "./state.js";
import { stepRunInstance, type LaunchNeeds, type LaunchVolumes } from "./step-run-instance.js";
import { stepRunSpotInstance } from "./step-run-spot-instance.js";

export type { LaunchVolumes } from "./step-run-instance.js";

export function stepLaunchInstance(config: RunSettings, launch: LaunchVolumes): Step<LaunchNeeds, InstanceRunning> {
  return isSpotInstance(config) ? stepRunSpotInstance(config, launch) : stepRunInstance(config, launch);
}
