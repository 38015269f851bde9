/**
 * Turns output chunks into whole lines for the build UI, as Packer's RunWithUi does: trailing
 * newline removed, empty lines dropped, a last unterminated line flushed at the end.
 */
import { ChunkLines } from "../../runner/chunk-lines.js";

export class OutputLines extends ChunkLines {
  protected send(line: string): void {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text !== "") this.emit(text);
  }

  /** No "\r" before a newline and no empty line. */
  protected isShownAsItIs(lines: string): boolean {
    return lines !== "" && !lines.startsWith("\n") && !lines.endsWith("\n") && !lines.endsWith("\r") && !lines.includes("\n\n") && !lines.includes("\r\n");
  }
}
