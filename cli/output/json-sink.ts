/**
 * `kiln build -json`: one JSON object per line for everything a build says — its output lines,
 * its structured events (build and step start/finish with durations, provisioners, artifacts) and
 * Packer's machine-readable records — each with the schema version `v`, the time and the build.
 * The schema is docs/schema/build-events.v1.json; a line's fields never change meaning within a
 * version, new optional fields may appear.
 */
import type { Writable } from "node:stream";
import { BUILD_EVENT_RECORD, parseBuildEvents } from "../../shared/build-events.js";
import type { OutputEvent } from "../../agent/runner/ui.js";
import { MachineReadableSink } from "./terminal-sink.js";

export const BUILD_EVENTS_SCHEMA_VERSION = 1;

export class JsonSink extends MachineReadableSink {
  constructor(private readonly stream: Writable) {
    super(stream);
  }

  override emit(e: OutputEvent): void {
    // One object per line of text, as the terminal shows them (the farm ships lines in batches).
    if (e.kind === "ui") {
      for (const text of e.text.replace(/\n$/, "").split("\n")) this.write({ type: "output", build: e.build, level: e.level, text });
      return;
    }
    if (e.type === BUILD_EVENT_RECORD) {
      const events = parseBuildEvents(e.data);
      for (const event of events) this.write({ ...event, build: e.build });
      if (events.length > 0) return;
    }
    this.write({ type: "record", build: e.build, record: e.type, data: e.data });
  }

  /** Packer's records the summary writes (artifact-count, artifact, error-count…) and lines for no build. */
  override line(target: string, type: string, ...data: string[]): void {
    if (type === "ui") this.write({ type: "output", build: target, level: data[0] ?? "say", text: data.slice(1).join(",") });
    else this.write({ type: "record", build: target, record: type, data });
  }

  /** The last line of a run: every build's outcome and the exit code. */
  runFinished(exitCode: number, builds: readonly { name: string; error?: string; cancelled?: boolean; artifacts: readonly { builderId: string; id: string; description: string; files: readonly string[] }[] }[]): void {
    this.write({
      type: "run-finished",
      exitCode,
      builds: builds.map((b) => ({ build: b.name, ...(b.error ? { error: b.error } : {}), cancelled: b.cancelled === true, artifacts: b.artifacts.map((a) => ({ builderId: a.builderId, id: a.id, description: a.description, files: [...a.files] })) })),
    });
  }

  private write(body: Record<string, unknown>): void {
    const { type, build, ...rest } = body;
    this.stream.write(`${JSON.stringify({ v: BUILD_EVENTS_SCHEMA_VERSION, time: new Date().toISOString(), type, ...(build !== undefined && build !== "" ? { build } : {}), ...rest })}\n`);
  }
}
