/**
 * Turns a farm build's output stream (WatchBuild's BuildOutput items) into what a local
 * `kiln build` prints: log lines through the same sinks, "Build 'x' finished after …" when a
 * job ends, and the outcomes the closing summary needs. Pure: no network, no files.
 */
import { State, type Artifact, type BuildOutput } from "../../proto/gen/kiln/v1/farm.js";
import type { UiLevel } from "../../agent/runner/ui.js";
import { reportBuildEnded, type SummaryArtifact, type SummaryOutcome, type SummaryOutput } from "../output/build-summary.js";

import { MANIFEST_ARTIFACT_BUILDER_ID } from "../../shared/bus/messages.js";

/** Builder id the agent gives the file a `manifest` post-processor wrote (not shown as an artifact). */
export const MANIFEST_BUILDER_ID = MANIFEST_ARTIFACT_BUILDER_ID;

export interface FarmJobOutcome extends SummaryOutcome {
  jobIndex: number;
  state: State;
  durationMs: number;
  /** Every file the job's artifacts list (to download), including manifest files. */
  artifactRefs: Artifact[];
  cancelled: boolean;
}

export class BuildOutputRenderer {
  private readonly finished = new Map<number, FarmJobOutcome>();

  /**
   * `notice` receives what a local build never says (which agent took a job, a job waiting for
   * a capable agent); callers send it to stderr so stdout stays what a local build prints.
   */
  constructor(
    private readonly out: SummaryOutput,
    private readonly notice: (text: string) => void = () => {},
  ) {}

  show(item: BuildOutput): void {
    const sink = this.out.machine ?? this.out.terminal;
    if (item.log) {
      // A LogLine's text is a batch of lines (shared/bus/log-line-wire.ts).
      sink.emit({ kind: "ui", build: item.log.label, level: uiLevel(item.log.level), text: item.log.text, lines: true });
    } else if (item.machine) {
      sink.emit({ kind: "machine", build: item.machine.target, type: item.machine.type, data: item.machine.data });
    } else if (item.event) {
      const e = item.event;
      if (e.kind === "waiting") this.notice(`${e.name}: ${e.reason || "waiting for a capable agent"}`);
      else if (e.kind === "started") this.notice(`${e.name}: running on agent ${e.agent}`);
      else if (e.kind === "finished" && !this.finished.has(e.jobIndex)) {
        const cancelled = e.state === State.STATE_CANCELLED;
        const failed = e.state !== State.STATE_SUCCEEDED;
        const error = failed ? (cancelled ? e.error || "Build was cancelled." : e.error || "the job failed") : undefined;
        const outcome: FarmJobOutcome = {
          jobIndex: e.jobIndex,
          name: e.name,
          state: e.state,
          durationMs: e.durationMs,
          error,
          cancelled,
          artifactRefs: e.artifacts,
          artifacts: e.artifacts.filter((a) => a.builderId !== MANIFEST_BUILDER_ID).map(summaryArtifact),
        };
        this.finished.set(e.jobIndex, outcome);
        reportBuildEnded(this.out, outcome.name, outcome.durationMs, outcome.error);
      }
    }
  }

  /** Jobs that have finished, in the order they finished. */
  outcomes(): FarmJobOutcome[] {
    return [...this.finished.values()];
  }

  hasFinished(jobIndex: number): boolean {
    return this.finished.has(jobIndex);
  }
}

function summaryArtifact(a: Artifact): SummaryArtifact {
  return { builderId: a.builderId, id: a.id, description: a.description, files: a.files.map((f) => f.path) };
}

function uiLevel(level: string): UiLevel {
  return level === "message" || level === "error" ? level : "say";
}
