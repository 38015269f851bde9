import type { ConfigReader } from "../config-reader.js";

/** Packer's ShutdownConfig: how the builder stops the VM once provisioning is done. */
export interface ShutdownConfig {
  shutdownCommand?: string;
  shutdownTimeoutMs: number;
}

export function readShutdownConfig(r: ConfigReader): ShutdownConfig {
  return {
    shutdownCommand: r.string("shutdown_command") || undefined,
    shutdownTimeoutMs: r.duration("shutdown_timeout", 5 * 60_000),
  };
}
