/**
 * What a build says while it runs. The runner gives each build its own BuildUi; how lines are
 * shown (colour, `==> name:` prefixes, machine-readable CSV, shipped over the bus) is decided by
 * whoever created the OutputSink, never by plugins.
 */
import { BUILD_EVENT_RECORD, type BuildEvent } from "../../shared/build-events.js";

export interface BuildUi {
  /** A step header: `==> name: Starting VM...` */
  say(message: string): void;
  /** Output or detail under the current step: `    name: ...` */
  message(message: string): void;
  /** An error: red `==> name: ...` */
  error(message: string): void;
  /**
   * Several lines of a program's output at once, joined by "\n": each shown as its own message
   * (or error) line, as if each had been given to message() (Packer's RunWithUi sends each line
   * through ui.Message). One event for a whole chunk of a chatty program's output. Optional: a
   * plugin's test double may leave it out, and callers then send line by line.
   */
  outputLines?(level: "message" | "error", lines: string): void;
  /** A machine-readable record (`artifact-count`, `artifact`, `error`), target = this build. */
  machine(type: string, ...data: string[]): void;
  /** A structured event (shared/build-events.ts); optional so a plugin's test double may leave it out. */
  event?(event: BuildEvent): void;
}

export type UiLevel = "say" | "message" | "error";

export type OutputEvent =
  /**
   * `lines`: the text is several lines of output, each its own UI line (BuildUi.outputLines; a
   * farm LogLine's batch). Without it a text with newlines is one message that spans lines, as
   * Packer's machine-readable output keeps it (one record, its newlines escaped).
   */
  | { kind: "ui"; build: string; level: UiLevel; text: string; lines?: boolean }
  | { kind: "machine"; build: string; type: string; data: string[] };

export interface OutputSink {
  emit(event: OutputEvent): void;
}

/**
 * Replaces secrets with `<sensitive>` in every text before handing events on. Secrets can be
 * added while a build runs (a generated password, a temporary private key).
 */
export class ScrubbingSink implements OutputSink {
  private secrets: string[] = [];

  constructor(private readonly next: OutputSink, secrets: readonly string[] = []) {
    this.add(...secrets);
  }

  add(...secrets: string[]): void {
    const all = new Set([...this.secrets, ...secrets.filter((s) => s.length > 0)]);
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join("<sensitive>");
    return out;
  }

  emit(e: OutputEvent): void {
    if (e.kind === "ui") this.next.emit({ ...e, text: this.scrub(e.text) });
    else this.next.emit({ ...e, data: e.data.map((d) => this.scrub(d)) });
  }
}

export function buildUi(sink: OutputSink, build: string): BuildUi {
  return {
    say: (text) => sink.emit({ kind: "ui", build, level: "say", text }),
    message: (text) => sink.emit({ kind: "ui", build, level: "message", text }),
    error: (text) => sink.emit({ kind: "ui", build, level: "error", text }),
    outputLines: (level, text) => sink.emit({ kind: "ui", build, level, text, lines: true }),
    machine: (type, ...data) => sink.emit({ kind: "machine", build, type, data }),
    event: (event) => sink.emit({ kind: "machine", build, type: BUILD_EVENT_RECORD, data: [JSON.stringify(event)] }),
  };
}

/** `ui.outputLines` at one level, when the UI has it: where OutputLines sends a chunk's lines whole. */
export function outputLinesTo(ui: BuildUi, level: "message" | "error"): ((lines: string) => void) | undefined {
  const send = ui.outputLines;
  return send && ((lines) => send.call(ui, level, lines));
}
