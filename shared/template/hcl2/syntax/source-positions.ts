import type { HclPos, HclRange } from "../contract.js";

/**
 * Maps UTF-16 offsets (what JavaScript strings and web-tree-sitter count) to HCL positions:
 * 1-based line, 1-based column in characters (code points), 0-based UTF-8 byte offset.
 */
export class SourcePositions {
  /** UTF-16 offset of each line's start. */
  private readonly lineStarts: number[] = [0];
  /** byteAt[i]: UTF-8 bytes before UTF-16 offset i (astral pairs: both halves map to the pair's start). */
  private readonly byteAt: Uint32Array;
  /** charAt[i]: code points before UTF-16 offset i. */
  private readonly charAt: Uint32Array;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    const n = text.length;
    this.byteAt = new Uint32Array(n + 1);
    this.charAt = new Uint32Array(n + 1);
    let bytes = 0;
    let chars = 0;
    for (let i = 0; i < n; i++) {
      this.byteAt[i] = bytes;
      this.charAt[i] = chars;
      const c = text.charCodeAt(i);
      if (c === 10) this.lineStarts.push(i + 1);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          this.byteAt[i + 1] = bytes;
          this.charAt[i + 1] = chars;
          bytes += 4;
          chars += 1;
          i++;
          continue;
        }
      }
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
      chars += 1;
    }
    this.byteAt[n] = bytes;
    this.charAt[n] = chars;
  }

  /** Index of the line holding UTF-16 offset `offset` (0-based). */
  lineIndex(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineStart(lineIndex: number): number {
    return this.lineStarts[lineIndex];
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  pos(offset: number): HclPos {
    const o = Math.max(0, Math.min(offset, this.text.length));
    const li = this.lineIndex(o);
    return { line: li + 1, column: this.charAt[o] - this.charAt[this.lineStarts[li]] + 1, byte: this.byteAt[o] };
  }

  range(start: number, end: number): HclRange {
    return { file: this.file, start: this.pos(start), end: this.pos(end) };
  }
}

/** The smallest range covering both. */
export function rangeBetween(a: HclRange, b: HclRange): HclRange {
  return {
    file: a.file,
    start: a.start.byte <= b.start.byte ? a.start : b.start,
    end: a.end.byte >= b.end.byte ? a.end : b.end,
  };
}
