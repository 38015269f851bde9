/**
 * Turns output chunks into whole lines for the build UI, as Packer's RunWithUi does: trailing
 * newline removed, empty lines dropped, a last unterminated line flushed at the end.
 */
export class OutputLines {
  private pending = "";

  /**
   * `emitLines`, when given, takes the complete lines of a chunk at once, joined by "\n", when none
   * of them would be changed or dropped (no "\r" before a newline, no empty line): one event per
   * chunk of a chatty script instead of one per line (as agent/local-shell/output-lines.ts).
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
    else for (const line of body.split("\n")) this.send(line);
  }

  flush(): void {
    const rest = this.pending;
    this.pending = "";
    this.send(rest);
  }

  private send(line: string): void {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text !== "") this.emit(text);
  }
}

/** Whether `send` would pass every line of `lines` (joined by "\n") as it is. */
function isClean(lines: string): boolean {
  return lines !== "" && !lines.startsWith("\n") && !lines.endsWith("\n") && !lines.endsWith("\r") && !lines.includes("\n\n") && !lines.includes("\r\n");
}
