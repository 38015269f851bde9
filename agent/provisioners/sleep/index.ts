import { setTimeout as sleep } from "node:timers/promises";
import { schema, type Config } from "../../../shared/components/provisioners/sleep.js";
import type { ProvisionerPlugin } from "../types.js";

/**
 * Packer's `sleep`: waits, and says nothing. Stopped early (a `timeout`, a cancel) it fails with
 * Go's "context canceled", as Packer 1.6.6's plugin process reports it.
 */
export const plugin: ProvisionerPlugin<Config> = {
  schema,
  async provision(ctx, config) {
    await sleep(config.durationMs, undefined, { signal: ctx.signal }).catch(() => {
      throw new Error("context canceled");
    });
  },
};
