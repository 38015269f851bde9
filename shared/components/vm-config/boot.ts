import type { ConfigReader } from "../config-reader.js";

/** Packer's BootConfig: what is typed at the VM's console before the OS is reachable. */
export interface BootConfig {
  /** Raw templates: rendered at boot time with `.HTTPIP`, `.HTTPPort`, `.Name`. */
  bootCommand: string[];
  bootWaitMs: number;
  bootKeyGroupIntervalMs: number;
  bootKeyIntervalMs: number;
  disableVnc: boolean;
}

/** Keys of BootConfig the builder renders later, with per-boot data. */
export const BOOT_RENDER_LATER = ["boot_command"] as const;

export function readBootConfig(r: ConfigReader, opts: { vnc: boolean }): BootConfig {
  const c: BootConfig = {
    bootCommand: r.stringList("boot_command"),
    // Packer: a negative boot_wait ("-1s") means do not wait at all.
    bootWaitMs: Math.max(0, r.duration("boot_wait", 10_000)),
    bootKeyGroupIntervalMs: r.duration("boot_keygroup_interval", 0),
    bootKeyIntervalMs: opts.vnc ? r.duration("boot_key_interval", 0) : 0,
    disableVnc: opts.vnc ? r.bool("disable_vnc") : false,
  };
  return c;
}
