/**
 * Turns output chunks into whole lines for the build UI, as Packer's RunWithUi does: trailing
 * newline removed, empty lines dropped, a last unterminated line flushed at the end.
 */
export class OutputLines {
  private pending = "";

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    const parts = (this.pending + chunk).split("\n");
    this.pending = parts.pop() ?? "";
    for (const line of parts) this.send(line);
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
