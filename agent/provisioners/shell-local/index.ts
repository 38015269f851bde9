import { schema, type Config } from "../../../shared/components/provisioners/shell-local.js";
import { runShellLocal } from "../../local-shell/index.js";
import type { ProvisionerPlugin } from "../types.js";

/** Packer's `shell-local` provisioner: the communicator is never used, the commands run here. */
export const plugin: ProvisionerPlugin<Config> = {
  schema,
  async provision(ctx, config) {
    await runShellLocal(ctx, config, ctx.generated);
  },
};
