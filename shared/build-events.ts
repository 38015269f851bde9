/**
 * Structured events of a build, for scripts (`kiln build -json`) and metrics: the build and each
 * step starting and finishing with durations, artifacts, the build's end. Schema (versioned):
 * docs/schema/build-events.v1.json.
 *
 * They travel as a machine-readable record of type `kiln-event` whose fields are events' JSON,
 * one each (a runner emits one per record; the farm's bus carries consecutive ones of a build as
 * one record, a publish and an ack instead of seven for a null build), so every sink carries them unchanged (secrets scrubbed, shipped over the farm's bus like
 * any record); Packer's `-machine-readable` printer and the terminal leave them out. The runner
 * emits them, `kiln build -json` prints them, and the controller reads step durations from the
 * farm's output stream for its metrics: hence in shared/.
 */
export const BUILD_EVENT_RECORD = "kiln-event";

export type BuildEvent =
  | { type: "build-started"; builderType: string; attempt?: number }
  | { type: "step-started"; step: string }
  | { type: "step-finished"; step: string; durationMs: number; error?: string }
  | { type: "provisioner-started"; provisioner: string }
  | { type: "provisioner-finished"; provisioner: string; durationMs: number; error?: string }
  | { type: "artifact"; builderId: string; id: string; description: string; files: string[] }
  | { type: "build-finished"; durationMs: number; error?: string; cancelled: boolean };

/** The events in a `kiln-event` record's data, in order; a field that is not one is left out. */
export function parseBuildEvents(data: readonly string[]): BuildEvent[] {
  return data.flatMap((field) => {
    try {
      const e = JSON.parse(field) as BuildEvent;
      return typeof e === "object" && e !== null && typeof e.type === "string" ? [e] : [];
    } catch {
      return [];
    }
  });
}
