/**
 * Renders build output the way Packer does: `==> name: …` step lines (bold, one colour per
 * build), `    name: …` detail lines, red errors; or Packer's machine-readable CSV lines
 * (`timestamp,target,type,data…`) for scripts.
 */
import type { Writable } from "node:stream";
import type { OutputEvent, OutputSink, UiLevel } from "../../agent/runner/ui.js";
import { BUILD_EVENT_RECORD } from "../../shared/build-events.js";

/** ANSI colour numbers. Packer cycles through green, cyan, magenta, yellow, blue for successive builds. */
const RED = 31;
const BUILD_COLOURS = [32, 36, 35, 33, 34];

export interface TerminalSinkOptions {
  out: Writable;
  color: boolean;
  timestamps: boolean;
}

export class TerminalSink implements OutputSink {
  private readonly colours = new Map<string, number>();

  constructor(private readonly options: TerminalSinkOptions) {}

  /** Fix colours in build order, so `kiln build` is stable from run to run. */
  assignColours(buildNames: readonly string[]): void {
    buildNames.forEach((n, i) => this.colours.set(n, BUILD_COLOURS[i % BUILD_COLOURS.length]));
  }

  /** Packer's "name: output will be in this color." line per build, then a blank line (colour on only). */
  announceColours(buildNames: readonly string[]): void {
    if (!this.options.color || buildNames.length === 0) return;
    for (const n of buildNames) this.writeLines([`${n}: output will be in this color.`], this.colourOf(n), true, false);
    this.options.out.write("\n");
  }

  emit(e: OutputEvent): void {
    if (e.kind === "machine") return; // only the machine-readable sink shows these
    const base = e.build.replace(/ \(.*\)$/, "");
    this.writeLines(targetedLines(e), e.level === "error" ? RED : this.colourOf(base), e.level !== "message");
  }

  /**
   * A line of the build command itself: plain, as Packer's own UI writes it (`==> Builds
   * finished…`); or, given `build`, in that build's UI, bold in its colour ("Build 'x' finished…")
   * or bold red for an error ("Build 'x' errored…").
   */
  say(text: string, opts: { build?: string; error?: boolean } = {}): void {
    const colour = opts.build === undefined ? undefined : opts.error ? RED : this.colourOf(opts.build);
    // Packer's command writes its own lines on its plain UI, without -timestamp-ui's stamps.
    this.writeLines(colour === undefined ? text.split("\n") : [text], colour, true, opts.build !== undefined);
  }

  private colourOf(build: string): number {
    let c = this.colours.get(build);
    if (!c) {
      c = BUILD_COLOURS[this.colours.size % BUILD_COLOURS.length];
      this.colours.set(build, c);
    }
    return c;
  }

  /**
   * Packer's ColoredUi: `ESC[1;32m` (say, error) or `ESC[0;32m` (message) around each message,
   * a message of several lines included (so the codes open its first line and close its last).
   */
  private writeLines(lines: string[], colour: number | undefined, bold: boolean, stamped = true): void {
    const stamp = this.options.timestamps && stamped ? `${new Date().toISOString().replace(/\.\d+Z$/, "Z")}: ` : "";
    const text = lines
      .map((l) => {
        const body = stamp + l;
        if (!this.options.color || colour === undefined || l === "") return body;
        return `\x1b[${bold ? 1 : 0};${colour}m${body}\x1b[0m`;
      })
      .join("\n");
    this.options.out.write(text + "\n");
  }
}

/**
 * Packer's TargetedUI: each line of a message gets the build's prefix (`==> b: ` or `    b: `),
 * and the whole is trimmed of trailing white space. One string per message: a `lines` event is
 * a message per line of output, any other event one message (which may span lines).
 */
export function targetedLines(e: { build: string; level: UiLevel; text: string; lines?: boolean }): string[] {
  const prefix = e.level === "message" ? `    ${e.build}: ` : `==> ${e.build}: `;
  const messages = e.lines ? e.text.replace(/\n$/, "").split("\n") : [e.text];
  return messages.map((m) => m.split("\n").map((l) => prefix + l).join("\n").replace(/\s+$/u, ""));
}

/** Packer's escaping of machine-readable data: commas, then newlines. */
export function escapeMachineField(s: string): string {
  return s.replace(/,/g, "%!(PACKER_COMMA)").replace(/\r?\n/g, "\\n");
}

export class MachineReadableSink implements OutputSink {
  constructor(private readonly out: Writable) {}

  emit(e: OutputEvent): void {
    if (e.kind === "machine" && e.type === BUILD_EVENT_RECORD) return; // Kiln's -json events, not Packer's records
    if (e.kind === "machine") this.line(e.build, e.type, ...e.data);
    else {
      // Lines of output are a record each, as Packer writes every line of a program's output.
      for (const text of targetedLines(e)) this.line("", "ui", e.level, text);
    }
  }

  line(target: string, type: string, ...data: string[]): void {
    const ts = Math.floor(Date.now() / 1000);
    this.out.write([String(ts), target, type, ...data.map(escapeMachineField)].join(",") + "\n");
  }
}

/**
 * "1 second 203 milliseconds", "17 milliseconds 58 microseconds": durafmt's words, its first two
 * non-zero units, as Packer prints build durations (microseconds when `ms` has a fraction).
 */
export function humanDuration(ms: number): string {
  const units: [string, number][] = [
    ["week", 604_800_000_000], ["day", 86_400_000_000], ["hour", 3_600_000_000], ["minute", 60_000_000],
    ["second", 1_000_000], ["millisecond", 1000], ["microsecond", 1],
  ];
  let rest = Math.max(0, Math.round(ms * 1000));
  const parts: string[] = [];
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? "" : "s"}`);
  }
  return parts.length > 0 ? parts.slice(0, 2).join(" ") : "0 microseconds";
}
