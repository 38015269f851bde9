import { schema, type Config } from "../../../shared/components/builders/null.js";
import { StepList } from "../../runner/steps.js";
import { stepConnect, stepProvision } from "../common/step-connect.js";
import type { BuilderPlugin } from "../types.js";

/** Connect to an existing host (or to nothing) and provision: Packer's `null` builder. */
export const plugin: BuilderPlugin<Config> = {
  schema,
  async run(ctx, config) {
    const steps = StepList.start<object>()
      .then(stepConnect(config.communicator))
      .then(stepProvision(ctx.provision, () => ({ ID: "Null" })));
    await steps.run(ctx, {}, { pause: ctx.pause, keepOnError: ctx.keepOnError });
    return {
      builderId: "fnoeding.null",
      id: "Null",
      files: [],
      description: "Did not export anything. This is the null builder",
    };
  },
};
