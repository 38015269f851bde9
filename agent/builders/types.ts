import type { BuilderSchema } from "../../shared/components/types.js";
import type { Communicator } from "../communicators/types.js";
import type { Artifact } from "../runner/artifact.js";
import type { GeneratedData, RunContext } from "../runner/context.js";
import type { StepPause } from "../runner/steps.js";

/** What `-on-error` asks of a failing build. */
export type OnErrorPolicy = "cleanup" | "abort" | "ask" | "run-cleanup-provisioner";

export interface BuilderContext extends RunContext {
  /**
   * Runs the template's provisioners over `comm` (Packer's StepProvision). Builders call it once
   * the machine is reachable; it throws when a provisioner fails.
   */
  provision(comm: Communicator, generated: GeneratedData): Promise<void>;
  /** `-force`: replace existing output. */
  force: boolean;
  /** In -debug mode, pause before each step. */
  pause?: StepPause;
  /** Resolves true when cleanups must be skipped after a failure (`-on-error=abort`/ask). */
  keepOnError: (failure: unknown) => Promise<boolean>;
}

/** The agent half of a builder: its schema (config + host needs) lives in shared/components/builders. */
export interface BuilderPlugin<Config> {
  schema: BuilderSchema<Config>;
  /** Resolves with the artifact, or undefined when the builder produces none (null builder). */
  run(ctx: BuilderContext, config: Config): Promise<Artifact | undefined>;
}
