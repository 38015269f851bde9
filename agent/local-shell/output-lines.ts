/**
 * Turns a process's output chunks into the lines Packer shows: split on "\n", trailing
 * whitespace trimmed, and only the text after the last "\r" kept (a progress bar's last state).
 */
export class OutputLines {
  private pending = "";

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    this.pending += chunk;
    let nl = this.pending.indexOf("\n");
    while (nl >= 0) {
      this.emit(cleanOutputLine(this.pending.slice(0, nl)));
      this.pending = this.pending.slice(nl + 1);
      nl = this.pending.indexOf("\n");
    }
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
