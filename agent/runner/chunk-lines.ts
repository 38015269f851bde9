/**
 * Cuts a program's output, as chunks come, into complete lines for the build UI. Subclasses say
 * how a line is shown (Packer's rules differ for a local process and a remote command) and when
 * a run of lines is shown as it is: those go to `emitLines` whole, one event per chunk of a
 * chatty program instead of one per line (bench/farm's log data plane: the per-line work was a
 * fifth of an agent's CPU).
 */
export abstract class ChunkLines {
  private pending = "";

  constructor(
    protected readonly emit: (line: string) => void,
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
    if (this.emitLines && this.isShownAsItIs(body)) this.emitLines(body);
    else for (const line of body.split("\n")) this.send(line);
  }

  /** Sends a last line that had no newline. */
  flush(): void {
    const rest = this.pending;
    this.pending = "";
    if (rest !== "") this.send(rest);
  }

  /** One line as it came (without its newline): shown, changed, or dropped. */
  protected abstract send(line: string): void;

  /** Whether `send` would show every line of `lines` (joined by "\n") unchanged, and none would be lost by being passed on together. */
  protected abstract isShownAsItIs(lines: string): boolean;
}
