import type { SourcePosition } from "../template/position.js";

/** One thing wrong with a component's configuration, located as precisely as we can. */
export interface ConfigProblem {
  message: string;
  /** The configuration key at fault, when there is one. */
  field?: string;
  position?: SourcePosition;
  /**
   * Which stage of Packer's Prepare finds it: interpolating the raw values, decoding them into the
   * config struct, or (unset) a rule checked afterwards. Packer stops after the first stage that fails,
   * except for `outer` rules: checks a builder's own Prepare makes after the common Prepare it wraps
   * returned, failed or not (proxmox-iso's ISO checks); Packer lists them after that failure.
   */
  phase?: "interpolate" | "decode" | "outer";
  /** Text the component's Prepare puts before its whole decoding error (shell-local's "Error decoding config: "). */
  decodePrefix?: string;
}

/** Every problem found while preparing one component, reported together as Packer does. */
export class ConfigErrors extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => p.message).join("\n"));
    this.name = "ConfigErrors";
  }
}
