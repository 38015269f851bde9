/**
 * Renders build output the way Packer does: `==> name: …` step lines (bold, one colour per
 * build), `    name: …` detail lines, red errors; or Packer's machine-readable CSV lines
 * (`timestamp,target,type,data…`) for scripts.
 */
import type { Writable } from "node:stream";
import type { OutputEvent, OutputSink } from "../../agent/runner/ui.js";
import { BUILD_EVENT_RECORD } from "../../shared/build-events.js";

const RESET = "\x1b[0m";
const BOLD = "\x1b[1m";
const RED = "\x1b[31m";
/** Packer cycles through these for successive builds. */
const BUILD_COLOURS = ["\x1b[32m", "\x1b[36m", "\x1b[35m", "\x1b[33m", "\x1b[34m"];

export interface TerminalSinkOptions {
  out: Writable;
  color: boolean;
  timestamps: boolean;
}

export class TerminalSink implements OutputSink {
  private readonly colours = new Map<string, string>();

  constructor(private readonly options: TerminalSinkOptions) {}

  /** Fix colours in build order, so `kiln build` is stable from run to run. */
  assignColours(buildNames: readonly string[]): void {
    buildNames.forEach((n, i) => this.colours.set(n, BUILD_COLOURS[i % BUILD_COLOURS.length]));
  }

  /** Packer's "name: output will be in this color." line per build, then a blank line (colour on only). */
  announceColours(buildNames: readonly string[]): void {
    if (!this.options.color || buildNames.length === 0) return;
    for (const n of buildNames) this.writeLines([`${n}: output will be in this color.`], this.colourOf(n), true);
    this.options.out.write("\n");
  }

  emit(e: OutputEvent): void {
    if (e.kind === "machine") return; // only the machine-readable sink shows these
    const base = e.build.replace(/ \(.*\)$/, "");
    const prefix = e.level === "message" ? `    ${e.build}: ` : `==> ${e.build}: `;
    const lines = e.text.replace(/\n$/, "").split("\n").map((l) => prefix + l);
    this.writeLines(lines, e.level === "error" ? RED : this.colourOf(base), e.level !== "message");
  }

  /** A line not tied to one build (`==> Builds finished…`). */
  say(text: string, opts: { bold?: boolean; error?: boolean } = {}): void {
    this.writeLines(text.split("\n"), opts.error ? RED : "", opts.bold ?? false);
  }

  private colourOf(build: string): string {
    let c = this.colours.get(build);
    if (!c) {
      c = BUILD_COLOURS[this.colours.size % BUILD_COLOURS.length];
      this.colours.set(build, c);
    }
    return c;
  }

  private writeLines(lines: string[], colour: string, bold: boolean): void {
    const stamp = this.options.timestamps ? `${new Date().toISOString().replace(/\.\d+Z$/, "Z")}: ` : "";
    const text = lines
      .map((l) => {
        const body = stamp + l;
        if (!this.options.color || (!colour && !bold) || l === "") return body;
        return `${bold ? BOLD : ""}${colour}${body}${RESET}`;
      })
      .join("\n");
    this.options.out.write(text + "\n");
  }
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
      const prefix = e.level === "message" ? `    ${e.build}: ` : `==> ${e.build}: `;
      this.line("", "ui", e.level, prefix + e.text);
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
