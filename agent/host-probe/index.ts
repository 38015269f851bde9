/**
 * What a host offers, checked for real: the vocabulary builder plugins use to declare their own
 * probes (BuilderPlugin.hostProbe). A capability is a string a builder schema's `needs` names
 * (`qemu`, `kvm`, `docker`, …); the agent unions what its plugins found and takes only the
 * builder types whose needs are all there.
 */
export { findOnPath, binariesOnPath } from "./path-binaries.js";

/** One capability a plugin looked for. */
export interface CapabilityCheck {
  capability: string;
  ok: boolean;
  /** What was found, or why not, for the agent's start-up report ("qemu-img: /usr/bin/qemu-img"). */
  why: string;
}

/** Where a probe looks. Tests point these at fakes; an agent uses the defaults. */
export interface HostProbeContext {
  env: NodeJS.ProcessEnv;
  /** Where kernel modules are listed (`/sys/module`). */
  sysModuleDir: string;
  /** Device nodes live here (`/dev`). */
  devDir: string;
  /** How long a local service (an engine's socket) gets to answer. */
  serviceTimeoutMs: number;
}

/** A builder plugin's check of this host for the capabilities its schema `needs`. */
export type HostCapabilityProbe = (ctx: HostProbeContext) => Promise<CapabilityCheck[]>;
