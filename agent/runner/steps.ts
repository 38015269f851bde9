/**
 * Packer's multistep idea with typed state: a build is a list of named steps; each step reads
 * the state earlier steps produced and returns what it adds. Cleanups run in reverse order,
 * whatever happened (success, failure, cancel), and a failing cleanup never hides the others.
 */
import { errorMessage } from "../../shared/error-message.js";
import type { RunContext } from "./context.js";

export interface Step<Needs, Gives> {
  /** Shown in errors and -debug pauses, e.g. "create disk". */
  name: string;
  /**
   * The Go type name of Packer's matching step, which `-on-error=abort` names ("Step \"StepRun\"
   * failed, aborting..."). Default: "Step" and the name in PascalCase ("create disk" → StepCreateDisk).
   */
  packerName?: string;
  run(ctx: RunContext, state: Needs): Promise<Gives>;
  /** Runs even when `run` threw, so it must cope with a half-done step. */
  cleanup?(ctx: RunContext, state: Needs & Partial<Gives>): Promise<void>;
  /**
   * The cleanup frees only this process's own resources (a connection), so it runs even when
   * `-on-error=abort` leaves what the build made: Packer's process ends and drops them, Kiln's
   * would otherwise wait on them for ever.
   */
  cleanupIsLocal?: boolean;
}

/** A step whose failure stopped the build: carries the step's name for the message. */
export class StepFailedError extends Error {
  constructor(readonly step: string, override readonly cause: unknown) {
    super(errorMessage(cause));
    this.name = "StepFailedError";
  }
}

export class BuildCancelledError extends Error {
  constructor() {
    super("Build was cancelled.");
    this.name = "BuildCancelledError";
  }
}

/**
 * After a failure: false to clean up as usual, or the `-on-error` mode that keeps what the build
 * made ("run-cleanup-provisioner" still lets the provision step clean up, i.e. the template's
 * error-cleanup-provisioner has run).
 */
export type KeepOnError = (failure: unknown) => Promise<false | "abort" | "run-cleanup-provisioner">;

/** Asked before each step in -debug mode; resolves when the user wants to go on. */
export type StepPause = (stepName: string) => Promise<void>;

type AnyStep = Step<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- erased inside the chain only

/**
 * A typed list of steps. `then` only accepts a step whose needs the state so far satisfies, so a
 * step that reads a value nobody produced is a compile error.
 */
export class StepList<State extends object> {
  private constructor(private readonly steps: readonly AnyStep[]) {}

  static start<Initial extends object>(): StepList<Initial> {
    return new StepList<Initial>([]);
  }

  then<Needs extends object, Gives extends object>(step: State extends Needs ? Step<Needs, Gives> : never): StepList<State & Gives> {
    return new StepList<State & Gives>([...this.steps, step as AnyStep]);
  }

  get names(): string[] {
    return this.steps.map((s) => s.name);
  }

  /**
   * Runs every step, then every cleanup in reverse. Resolves with the final state; rejects with
   * StepFailedError (or BuildCancelledError) after the cleanups ran. `keepOnError` skips cleanups
   * on failure (`-on-error=abort`).
   */
  async run(ctx: RunContext, initial: object, options: { pause?: StepPause; keepOnError?: KeepOnError } = {}): Promise<State> {
    const state: Record<string, unknown> = { ...initial };
    const ran: AnyStep[] = [];
    let failure: unknown;
    try {
      for (const step of this.steps) {
        if (ctx.signal.aborted) throw new BuildCancelledError();
        if (options.pause) await options.pause(step.name);
        ran.push(step);
        const began = performance.now();
        ctx.ui.event?.({ type: "step-started", step: step.name });
        try {
          const gives = await step.run(ctx, state);
          if (gives && typeof gives === "object") Object.assign(state, gives);
          ctx.ui.event?.({ type: "step-finished", step: step.name, durationMs: performance.now() - began });
        } catch (e) {
          ctx.ui.event?.({ type: "step-finished", step: step.name, durationMs: performance.now() - began, error: errorMessage(e) });
          if (ctx.signal.aborted) throw new BuildCancelledError();
          throw e instanceof StepFailedError || e instanceof BuildCancelledError ? e : new StepFailedError(step.name, e);
        }
      }
    } catch (e) {
      failure = e;
    }
    const keep = failure !== undefined && !(failure instanceof BuildCancelledError) && options.keepOnError ? await options.keepOnError(failure) : false;
    // Packer's abortStep: every step that ran, newest first, is named instead of cleaned up; the
    // first as the one that failed.
    let abortLogged = false;
    for (const step of ran.reverse()) {
      if (keep && !(keep === "run-cleanup-provisioner" && step.name === PROVISION_STEP)) {
        const name = step.packerName ?? packerStepName(step.name);
        ctx.ui.error(abortLogged ? `aborted: skipping cleanup of step "${name}"` : `Step "${name}" failed, aborting...`);
        abortLogged = true;
        if (!step.cleanupIsLocal) continue;
      }
      if (!step.cleanup) continue;
      try {
        await step.cleanup(ctx, state);
      } catch (e) {
        ctx.ui.error(`Cleanup of step "${step.name}" failed: ${errorMessage(e)}`);
      }
    }
    if (failure !== undefined) throw failure;
    return state as State;
  }
}

/** The name of the step that runs the template's provisioners (builders/common/step-connect.ts). */
export const PROVISION_STEP = "provision";

function packerStepName(name: string): string {
  return "Step" + name.split(/[\s-]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}
