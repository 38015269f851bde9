import type { BuilderSchema } from "../../shared/components/types.js";
import type { OperatorLog } from "../../shared/operator-log.js";
import type { HostCapabilityProbe } from "../host-probe/index.js";
import type { Communicator } from "../communicators/types.js";
import type { Artifact } from "../runner/artifact.js";
import type { GeneratedData, RunContext } from "../runner/context.js";
import type { KeepOnError, StepPause } from "../runner/steps.js";
import type { BuildUi } from "../runner/ui.js";

/** What `-on-error` asks of a failing build. */
export type OnErrorPolicy = "cleanup" | "abort" | "ask" | "run-cleanup-provisioner";

export interface BuilderContext extends RunContext {
  /**
   * Runs the template's provisioners over `comm` (Packer's StepProvision). Builders call it once
   * the machine is reachable; it throws when a provisioner fails. `hook`: the builder runs
   * Packer's provision hook without StepProvision (the file builder), so a failure does not run
   * the error-cleanup provisioner.
   */
  provision(comm: Communicator, generated: GeneratedData, how?: "step" | "hook"): Promise<void>;
  /** `-force`: replace existing output. */
  force: boolean;
  /** In -debug mode, pause before each step. */
  pause?: StepPause;
  /** Resolves to a mode when cleanups must be skipped after a failure (`-on-error=abort`/ask). */
  keepOnError: KeepOnError;
  /** `kiln build -warm`: VM builders that can restore a booted guest do (the qemu builder's warm/). */
  warm?: boolean;
}

/** What a builder sees while an artifact of its build is made ready to leave this machine. */
export interface ExportContext {
  ui: BuildUi;
  /** Aborted when the job is cancelled or the agent stops. */
  signal: AbortSignal;
  /** Relative artifact paths resolve against it (the job's folder on an agent). */
  workDir: string;
}

/** The agent half of a builder: its schema (config + host needs) lives in shared/components/builders. */
export interface BuilderPlugin<Config> {
  schema: BuilderSchema<Config>;
  /** Resolves with the artifact, or undefined when the builder produces none (null builder). */
  run(ctx: BuilderContext, config: Config): Promise<Artifact | undefined>;
  /**
   * Called by a farm agent on every artifact of this builder's build (post-processors' too)
   * before its files are uploaded: makes them self-contained (a qcow2 overlay pointing at a base
   * image on this disk is flattened) and resolves with the artifact to ship. Local builds never
   * call it, so they keep what Packer keeps.
   */
  prepareForExport?(artifact: Artifact, ctx: ExportContext): Promise<Artifact>;
  /**
   * Checks this host for the capabilities the schema's `needs` name (run once when an agent
   * starts): an agent takes this builder's jobs only when every need was found.
   */
  hostProbe?: HostCapabilityProbe;
  /**
   * What a build of this type can leave outside its job folder when its agent dies (VMs,
   * containers): a restarted agent calls this with the jobs that died, before taking new ones.
   */
  leftoverReaper?: LeftoverReaper;
}

/** A job that died with its agent (kill -9, power loss), as the lease in its folder says. */
export interface DeadJob {
  /** The agent process that ran it: what the builder marked its VMs and containers with. */
  pid: number;
  buildId: string;
  jobIndex: number;
  attempt: number;
}

export type LeftoverReaper = (deadJobs: readonly DeadJob[], log: OperatorLog) => Promise<void>;
