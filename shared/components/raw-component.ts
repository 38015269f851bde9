import type { SourcePosition } from "../template/position.js";

/**
 * A builder, provisioner or post-processor exactly as the template wrote it: its type, and its
 * own configuration keys (common keys such as `only`, `override` or `keep_input_artifact` are
 * already taken out by the template parser). Plain JSON, so it can travel in a farm job.
 */
export interface RawComponent {
  type: string;
  config: Record<string, unknown>;
  /** Where the component's object starts in the template. */
  position?: SourcePosition;
  /** Where each configuration key is written. */
  keyPositions?: Record<string, SourcePosition>;
}

/**
 * The component as Packer's core hands it over with `-force`: the internal key `packer_force`
 * set (builders check their output directory with it, the manifest overwrites with it).
 */
export function withPackerForce(raw: RawComponent, force: boolean): RawComponent {
  return force ? { ...raw, config: { ...raw.config, packer_force: true } } : raw;
}
