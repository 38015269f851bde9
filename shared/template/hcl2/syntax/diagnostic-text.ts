import type { HclDiagnostic, HclFile, HclRange } from "../contract.js";
import { NativeBody } from "./native-body.js";

/**
 * Diagnostics as Packer prints them (hcl.NewDiagnosticTextWriter with width 80, no colour):
 *
 *   Error: <summary>
 *
 *     on <file> line <N>, in <top-level block header>:
 *      <N>: <source line>
 *
 *   <detail, word-wrapped at 80 columns>
 */
export function formatHclDiagnostics(diagnostics: HclDiagnostic[], files: ReadonlyMap<string, HclFile>, width = 80): string {
  return diagnostics.map((d) => formatHclDiagnostic(d, files, width)).join("");
}

export function formatHclDiagnostic(d: HclDiagnostic, files: ReadonlyMap<string, HclFile>, width = 80): string {
  let out = `${d.severity === "error" ? "Error" : "Warning"}: ${d.summary}\n\n`;
  if (d.subject) {
    let snip = d.subject;
    if (d.context) snip = rangeOver(snip, d.context);
    const file = files.get(d.subject.file);
    if (!file) {
      out += `  on ${d.subject.file} line ${d.subject.start.line}:\n  (source code not available)\n\n`;
    } else {
      const where = contextString(file, d.subject.start.byte);
      out += `  on ${d.subject.file} line ${d.subject.start.line}${where ? `, in ${where}` : ""}:\n`;
      // An empty range is shown as one character (it may be past the end of a line or the file).
      const snipStart = snip.start.byte;
      const snipEnd = snip.end.byte === snipStart ? snipStart + 1 : snip.end.byte;
      const bytes = Buffer.from(file.source, "utf8");
      let lineStart = 0;
      let lineNo = 1;
      // hcl v2.6.0's RangeScanner over bufio.ScanLines and Range.Overlaps: a line's range
      // excludes its newline, empty lines never overlap, and end offsets count as inside.
      while (lineStart < bytes.length) {
        let next = bytes.indexOf(10, lineStart);
        if (next < 0) next = bytes.length;
        const lineEnd = next > lineStart && bytes[next - 1] === 13 ? next - 1 : next;
        const inSnip = (o: number) => o >= snipStart && o < snipEnd;
        const inLine = (o: number) => o >= lineStart && o < lineEnd;
        const overlaps = lineEnd > lineStart && (inLine(snipStart) || inLine(snipEnd) || inSnip(lineStart) || inSnip(lineEnd));
        if (overlaps) out += `${String(lineNo).padStart(4)}: ${bytes.subarray(lineStart, lineEnd).toString("utf8")}\n`;
        lineStart = next + 1;
        lineNo++;
      }
      out += "\n";
    }
    const values = d.variableValues ?? [];
    if (values.length > 0) out += `with ${values.join(",\n     ")}.\n\n`;
  }
  if (d.detail) out += `${wrapString(d.detail, width)}\n\n`;
  return out;
}

function rangeOver(a: HclRange, b: HclRange): HclRange {
  return {
    file: a.file,
    start: a.start.byte <= b.start.byte ? a.start : b.start,
    end: a.end.byte >= b.end.byte ? a.end : b.end,
  };
}

/**
 * hcl's file navigation: for native syntax the header of the top-level block containing the
 * offset, for JSON the path of keys down to it.
 */
function contextString(file: HclFile, byte: number): string {
  const nav = file.body as Partial<{ contextString(byte: number): string }>;
  if (typeof nav.contextString === "function") return nav.contextString(byte);
  if (!(file.body instanceof NativeBody)) return "";
  if (file.body.outline) return file.body.outline.find((b) => b.start <= byte && byte < b.end)?.header ?? "";
  const block = file.body.blocks.find((b) => b.range.start.byte <= byte && byte < b.range.end.byte);
  if (!block) return "";
  return [block.type, ...block.labels.map((l) => JSON.stringify(l))].join(" ");
}

/** mitchellh/go-wordwrap's WrapString: breaks at spaces so lines stay within `limit` where possible. */
export function wrapString(s: string, limit: number): string {
  let out = "";
  let current = 0;
  let word = "";
  let space = "";
  const len = (x: string) => Buffer.byteLength(x, "utf8");
  for (const ch of s) {
    if (ch === "\n") {
      if (word.length === 0) {
        if (current + len(space) > limit) current = 0;
        else out += space;
        space = "";
      } else {
        out += space + word;
        space = "";
        word = "";
      }
      out += ch;
      current = 0;
    } else if (/\s/u.test(ch)) {
      if (space.length === 0 || word.length > 0) {
        current += len(space) + len(word);
        out += space + word;
        space = "";
        word = "";
      }
      space += ch;
    } else {
      word += ch;
      if (current + len(space) + len(word) > limit && len(word) < limit) {
        out += "\n";
        current = 0;
        space = "";
      }
    }
  }
  if (word.length === 0) {
    if (current + len(space) <= limit) out += space;
  } else out += space + word;
  return out;
}
