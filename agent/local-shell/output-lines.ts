/**
 * Turns a process's output chunks into the lines Packer shows: split on "\n", trailing
 * whitespace trimmed, and only the text after the last "\r" kept (a progress bar's last state).
 */
export class OutputLines {
  private pending = "";

  /**
   * `emitLines`, when given, takes the complete lines of a chunk at once, joined by "\n", when none
   * of them needs cleaning (the common case): a program printing fast then costs one event per
   * chunk, not one per line (bench/farm's log data plane: the per-line work was a fifth of an
   * agent's CPU). Lines that need cleaning, and a block that would end in an empty line (sinks drop
   * a text's one trailing newline), go one by one to `emit`.
   */
  constructor(
    private readonly emit: (line: string) => void,
    private readonly emitLines?: (lines: string) => void,
  ) {}

  push(chunk: string): void {
    const text = this.pending + chunk;
    const last = text.lastIndexOf("\n");
    if (last < 0) {
      this.pending = text;
      return;
    }
    this.pending = text.slice(last + 1);
    const body = text.slice(0, last);
    if (this.emitLines && isClean(body)) this.emitLines(body);
    else for (const line of body.split("\n")) this.emit(cleanOutputLine(line));
  }

  /** Emits a last line that had no newline. */
  flush(): void {
    if (this.pending !== "") this.emit(cleanOutputLine(this.pending));
    this.pending = "";
  }
}

export function cleanOutputLine(line: string): string {
  const trimmed = line.trimEnd();
  const cr = trimmed.lastIndexOf("\r");
  return cr >= 0 ? trimmed.slice(cr + 1) : trimmed;
}

/** Whitespace (as trimEnd sees it) before a newline: a line cleanOutputLine would change. \s without \n, spelled out. */
const SPACE_BEFORE_NEWLINE = /[\t\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]\n/;
const SPACE = /\s/;

/** Whether every line of `lines` (joined by "\n") is as cleanOutputLine leaves it, and the last is not empty. */
function isClean(lines: string): boolean {
  const lastChar = lines.at(-1);
  if (lastChar === undefined) return true; // one empty line
  // One scan for "\r" and one regular expression: ~20 ms for 47 MB here, against ~70 for one expression doing both.
  return !SPACE.test(lastChar) && !lines.includes("\r") && !SPACE_BEFORE_NEWLINE.test(lines);
}
