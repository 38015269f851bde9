/**
 * A job's life on an agent as a list of named steps, like a build (agent/runner/steps.ts): each
 * step reads the typed state earlier steps produced and returns what it adds, or ends the job
 * early with a JobExit (already finished, cancelled, bundle missing…). Cleanups run in reverse,
 * whatever happened; then the job has exactly one exit (finish.ts), where it is acked, handed
 * back, retried or terminated.
 */
import { errorMessage } from "../../../shared/error-message.js";
import type { JsMsg } from "@nats-io/jetstream";
import { BusDecodeError, type ArtifactRef, type Bus, type JobMessage } from "../../../shared/bus/index.js";
import type { OperatorLog, LogFields } from "../../../shared/operator-log.js";
import type { PluginCatalogue } from "../../catalogue.js";
import type { BusOutputSink } from "../bus-output-sink.js";
import type { CancelListeners } from "../cancel-listeners.js";
import { JobRecordRefusedError, type JobRecordAccess, type RecordAtRevision } from "../job-record.js";

/** What the agent gives every job it runs. */
export interface JobRunnerContext {
  bus: Bus;
  agentName: string;
  workDir: string;
  log: OperatorLog;
  /** The consumer's ack wait: in-progress acks go out well within it. */
  ackWaitMs: number;
  /** Aborts when the agent stops: running jobs are aborted and handed back. */
  shutdown: AbortSignal;
  /**
   * Aborts a while after the stop began: writes to the bus (records, output) stop retrying, so a
   * stop while NATS is away ends. Cleanups on this host are not bounded by it.
   */
  busGiveUp?: AbortSignal;
  maxBundleBytes?: number;
  catalogue?: PluginCatalogue;
  /** Downloads (ISOs, disk images) shared by every job on this host. */
  downloadCacheDir?: string;
  /** Cancel requests, heard by the agent's one subscription and passed on to the job of their build. */
  cancels: CancelListeners;
  /** Tells the agent which builds it is running (for `busy` in its presence). */
  onRunning?: (delta: 1 | -1) => void;
}

/** One job while it runs: its message, where its output goes, how it is stopped. */
export interface JobContext {
  agent: JobRunnerContext;
  msg: JsMsg;
  job: JobMessage;
  /** JetStream's delivery count: 1 for the first attempt. */
  attempt: number;
  /** For the operator log. */
  fields: LogFields;
  output: BusOutputSink;
  /** Aborted by a cancel of the build or by the agent's stop. */
  signal: AbortSignal;
  /** True when the abort came from a cancel of the build (not from the agent stopping). */
  cancelRequested(): boolean;
  /** performance.now() when the job was taken. */
  startedAt: number;
  /**
   * The job's record as this agent last read or wrote it, with its KV revision: the next write
   * is a compare-and-set on it without reading again (one KV round trip less per write).
   */
  record?: RecordAtRevision;
}

export type FinishedState = "succeeded" | "failed" | "cancelled";

/** How a job ends. Each kind is settled one way in finish.ts. */
export type JobExitKind =
  /** Ran (or was refused for a reason of the build's own): record the outcome, ack. */
  | { kind: "finished"; state: FinishedState; error?: string; artifacts: ArtifactRef[]; durationMs: number }
  /** Finished before (an earlier delivery whose ack was lost, or the controller): just ack. */
  | { kind: "already-finished"; state: string }
  /** The agent is stopping: record it queued again, say why, nak for another agent. */
  | { kind: "hand-back" }
  /** The bus failed us: nak with a delay for a redelivery (the last one fails by MAX_DELIVERIES). */
  | { kind: "retry"; error: string }
  /** A fault no redelivery would cure: record it failed, dead-letter and terminate the message. */
  | { kind: "fault"; error: string }
  /**
   * The controller refused this agent's record of the job: finished by the controller (a wait
   * timeout) or taken over by another agent's later attempt. Not ours any more, and another
   * delivery would be refused the same way: terminate the message, record nothing.
   */
  | { kind: "refused"; error: string };

export class JobExit {
  constructor(readonly exit: JobExitKind) {}
}

export function exitWith(exit: JobExitKind): JobExit {
  return new JobExit(exit);
}

export interface JobStep<Needs, Gives> {
  /** Shown in the operator log when the step fails, e.g. "fetch bundle". */
  name: string;
  run(ctx: JobContext, state: Needs): Promise<Gives | JobExit>;
  /** Runs even when `run` threw or ended the job, so it must cope with a half-done step. */
  cleanup?(ctx: JobContext, state: Needs & Partial<Gives>): Promise<void>;
}

/** The bus (NATS, KV, the output stream) failed an operation: worth a redelivery. */
export class BusTrouble extends Error {
  constructor(override readonly cause: unknown) {
    super(errorMessage(cause));
    this.name = "BusTrouble";
  }
}

type AnyStep = JobStep<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- erased inside the chain only

/**
 * A typed list of job steps: `then` only accepts a step whose needs the state so far satisfies.
 * `run` always resolves with how the job ends; a step that throws ends it as a hand-back (the
 * agent is stopping), a retry (BusTrouble) or a fault (anything else).
 */
export class JobStepList<State extends object> {
  private constructor(private readonly steps: readonly AnyStep[]) {}

  static start<Initial extends object>(): JobStepList<Initial> {
    return new JobStepList<Initial>([]);
  }

  then<Needs extends object, Gives extends object>(step: State extends Needs ? JobStep<Needs, Gives> : never): JobStepList<State & Gives> {
    return new JobStepList<State & Gives>([...this.steps, step as AnyStep]);
  }

  get names(): string[] {
    return this.steps.map((s) => s.name);
  }

  async run(ctx: JobContext, initial: object): Promise<JobExitKind> {
    const state: Record<string, unknown> = { ...initial };
    const ran: AnyStep[] = [];
    let exit: JobExitKind | undefined;
    for (const step of this.steps) {
      ran.push(step);
      try {
        const gives: unknown = await step.run(ctx, state);
        if (gives instanceof JobExit) {
          exit = gives.exit;
          break;
        }
        if (gives && typeof gives === "object") Object.assign(state, gives);
      } catch (e) {
        exit = exitOnError(ctx, step.name, e);
        break;
      }
    }
    for (const step of ran.reverse()) {
      if (!step.cleanup) continue;
      try {
        await step.cleanup(ctx, state);
      } catch (e) {
        ctx.agent.log.error(`cleanup of job step "${step.name}" failed`, { ...ctx.fields, error: errorMessage(e) });
      }
    }
    return exit ?? { kind: "fault", error: `the job's steps (${this.names.join(", ")}) ended without an outcome` };
  }
}

/** What a step's exception means for the job. */
function exitOnError(ctx: JobContext, step: string, e: unknown): JobExitKind {
  if (ctx.agent.shutdown.aborted && !ctx.cancelRequested()) return { kind: "hand-back" };
  if (e instanceof JobRecordRefusedError) return { kind: "refused", error: e.message };
  if (e instanceof BusTrouble) return { kind: "retry", error: `${step}: ${e.message}` };
  return { kind: "fault", error: `the agent could not ${step}: ${errorMessage(e)}` };
}

/** Runs a bus operation; its failure means "try again later" (BusTrouble), except a record that is garbage. */
export async function onBus<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    throw e instanceof BusDecodeError || e instanceof JobRecordRefusedError ? e : new BusTrouble(e);
  }
}

/** How this agent changes job records: reads from KV, writes asked of a controller (it checks the agent holds the job). */
export function recordAccess(agent: JobRunnerContext): JobRecordAccess {
  return { kv: agent.bus.builds, nc: agent.bus.nc, agentName: agent.agentName };
}

