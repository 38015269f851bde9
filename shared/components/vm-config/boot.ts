import type { ConfigReader } from "../config-reader.js";
import { bootCommandProblems } from "./boot-command/parse.js";

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

/**
 * Reads Packer's BootConfig (or, with `vnc`, its VNCConfig) and checks it as its Prepare does:
 * VNC must be on for a boot command, and the boot command must parse with positive waits.
 */
export function readBootConfig(r: ConfigReader, opts: { vnc: boolean }): BootConfig {
  const c: BootConfig = {
    bootCommand: r.stringList("boot_command"),
    // Packer: a negative boot_wait ("-1s") means do not wait at all.
    bootWaitMs: Math.max(0, r.duration("boot_wait", 10_000)),
    bootKeyGroupIntervalMs: r.duration("boot_keygroup_interval", 0),
    bootKeyIntervalMs: opts.vnc ? r.duration("boot_key_interval", 0) : 0,
    disableVnc: opts.vnc ? r.bool("disable_vnc") : false,
  };
  if (opts.vnc && c.bootCommand.length > 0 && c.disableVnc) r.problem("boot_command", "A boot command cannot be used when vnc is disabled.");
  checkBootCommand(r, c.bootCommand);
  return c;
}

function checkBootCommand(r: ConfigReader, bootCommand: readonly string[]): void {
  for (const message of bootCommandProblems(bootCommand)) r.problem("boot_command", message);
}

/**
 * BootConfig.Prepare's check, for a builder checked against Packer's key table: boot_command as
 * written (Packer interpolates it only when it types it), without reading it (the table checks its type).
 */
export function checkWrittenBootCommand(r: ConfigReader): void {
  const v = r.raw.config[r.writtenKey("boot_command")];
  // Decoded as mapstructure would: a lone string is split on commas, scalars weakly become strings.
  const commands = typeof v === "string" ? v.split(",") : Array.isArray(v) ? v.map((x) => (typeof x === "boolean" ? (x ? "1" : "0") : typeof x === "string" || typeof x === "number" ? String(x) : "")) : [];
  checkBootCommand(r, commands);
}
