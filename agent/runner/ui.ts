/**
 * What a build says while it runs. The runner gives each build its own BuildUi; how lines are
 * shown (colour, `==> name:` prefixes, machine-readable CSV, shipped over the bus) is decided by
 * whoever created the OutputSink, never by plugins.
 */
export interface BuildUi {
  /** A step header: `==> name: Starting VM...` */
  say(message: string): void;
  /** Output or detail under the current step: `    name: ...` */
  message(message: string): void;
  /** An error: red `==> name: ...` */
  error(message: string): void;
  /** A machine-readable record (`artifact-count`, `artifact`, `error`), target = this build. */
  machine(type: string, ...data: string[]): void;
}

export type UiLevel = "say" | "message" | "error";

export type OutputEvent =
  | { kind: "ui"; build: string; level: UiLevel; text: string }
  | { kind: "machine"; build: string; type: string; data: string[] };

export interface OutputSink {
  emit(event: OutputEvent): void;
}

/** Scrubs secrets from every text, then hands the event on. */
export function scrubbingSink(next: OutputSink, secrets: readonly string[]): OutputSink {
  const values = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return next;
  const scrub = (t: string): string => values.reduce((acc, s) => acc.split(s).join("<sensitive>"), t);
  return {
    emit(e) {
      if (e.kind === "ui") next.emit({ ...e, text: scrub(e.text) });
      else next.emit({ ...e, data: e.data.map(scrub) });
    },
  };
}

export function buildUi(sink: OutputSink, build: string): BuildUi {
  return {
    say: (text) => sink.emit({ kind: "ui", build, level: "say", text }),
    message: (text) => sink.emit({ kind: "ui", build, level: "message", text }),
    error: (text) => sink.emit({ kind: "ui", build, level: "error", text }),
    machine: (type, ...data) => sink.emit({ kind: "machine", build, type, data }),
  };
}
