import type { SourcePosition } from "./position.js";

/**
 * Turns string indices (UTF-16 code units, what jsonc-parser reports) into 1-based lines and
 * columns that count characters, so a column is right even after `é` or an emoji.
 */
export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string, readonly file: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  position(index: number): SourcePosition {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    const start = this.lineStarts[lo];
    const column = [...this.text.slice(start, index)].length + 1;
    return { file: this.file, line: lo + 1, column };
  }

  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    return this.text.slice(start, next === undefined ? this.text.length : next - 1).replace(/\r$/, "");
  }
}
