import { ConfigReader } from "../config-reader.js";
import { packerKeySchema } from "../packer-keys/key-schema.js";
import type { ComponentSchema } from "../types.js";

/** Packer's `sleep` provisioner: waits `duration` (a Go duration). */
export interface Config {
  durationMs: number;
}

/**
 * Validation stays Packer's key table (validate treats sleep as before Kiln could run it); the
 * runner reads the duration from the checked config.
 */
export const schema: ComponentSchema<Config> = {
  kind: "provisioner",
  type: "sleep",
  prepare(raw, ctx) {
    packerKeySchema("provisioner", "sleep")?.prepare(raw, ctx);
    const r = new ConfigReader(raw, { kind: "provisioner", interpolation: ctx.interpolation, partial: true });
    const config: Config = { durationMs: r.duration("duration", 0) };
    r.finish();
    return config;
  },
};
