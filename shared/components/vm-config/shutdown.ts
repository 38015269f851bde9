import type { ConfigReader } from "../config-reader.js";

/** Packer's ShutdownConfig: how the builder stops the VM once provisioning is done. */
export interface ShutdownConfig {
  shutdownCommand?: string;
  shutdownTimeoutMs: number;
}

/** Packer's closing warning of the VirtualBox and VMware builders' Prepare. */
export const NO_SHUTDOWN_COMMAND_WARNING =
  "A shutdown_command was not specified. Without a shutdown command, Packer\nwill forcibly halt the virtual machine, which may result in data loss.";

export function readShutdownConfig(r: ConfigReader): ShutdownConfig {
  return {
    shutdownCommand: r.string("shutdown_command") || undefined,
    shutdownTimeoutMs: r.duration("shutdown_timeout", 5 * 60_000),
  };
}
