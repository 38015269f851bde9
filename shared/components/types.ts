import type { InterpolationContext } from "../template/interpolate/context.js";
import type { RawComponent } from "./raw-component.js";

export type ComponentKind = "builder" | "provisioner" | "post-processor";

/** What a component's `prepare` may look at besides its own keys. */
export interface PrepareContext {
  /** Interpolation context of the build this component belongs to (build_name/type set). */
  interpolation: InterpolationContext;
  /** Absolute folder of the template: relative paths in configs are resolved against the cwd, as Packer does. */
  templateDir: string;
  /** Working directory relative paths resolve against. */
  cwd: string;
  /**
   * Check the programs a component runs on this host, as Packer's validate does (ansible runs
   * `ansible-playbook --version`). Only where the build itself runs: a local validate or build,
   * never the farm controller or a submitting client (the agent's host is what matters there).
   */
  hostPrograms?: boolean;
  /**
   * Takes the warnings of Packer's Prepare ("A checksum of 'none' was specified…"): validate and
   * build print them as Packer does, before the builds start. Absent where nobody shows them.
   */
  warn?: (text: string) => void;
}

/**
 * The shared half of a plugin: its configuration schema (Packer's key names, defaults and
 * checks). The controller validates with it; the agent runs with the typed config it returns.
 */
export interface ComponentSchema<Config> {
  kind: ComponentKind;
  type: string;
  /** Reads, interpolates and checks `raw`; throws ConfigErrors listing every problem. */
  prepare(raw: RawComponent, ctx: PrepareContext): Config;
  /**
   * Capabilities the host running the build must have for this provisioner or post-processor
   * (one that runs a program of its own there, as `ansible` runs ansible-playbook). A farm job
   * with such a component goes only to agents that found them.
   */
  hostNeeds?: readonly Capability[];
}

/** A host capability an agent probes for and a builder needs ("qemu", "docker", …). */
export type Capability = string;

export interface BuilderSchema<Config> extends ComponentSchema<Config> {
  kind: "builder";
  /** Capabilities the host must have to run this builder. Empty: runs anywhere. */
  needs: readonly Capability[];
}
