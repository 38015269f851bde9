import type { ComponentSchema } from "../../shared/components/types.js";
import type { HostCapabilityProbe } from "../host-probe/index.js";
import type { ProvisionContext } from "../runner/context.js";

/** The agent half of a provisioner: its schema lives in shared/components/provisioners. */
export interface ProvisionerPlugin<Config> {
  schema: ComponentSchema<Config>;
  /** Throws to fail the build (the runner applies `max_retries` and `timeout`). */
  provision(ctx: ProvisionContext, config: Config): Promise<void>;
  /** Finds the capabilities its schema's `hostNeeds` names (a farm agent advertises them). */
  hostProbe?: HostCapabilityProbe;
}
