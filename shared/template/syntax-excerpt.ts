import type { LineIndex } from "./line-index.js";
import type { SourcePosition } from "./position.js";

/**
 * Packer's highlight of a JSON syntax error:
 *
 *     At line 5, column 5 (offset 50):
 *         4:       "type":"test",
 *         5:     }
 *                ^
 *
 * Unlike Packer the column is right on every line (Packer counts one too many after line 1 and
 * puts its caret one too far left on line 1), the whole offending line is shown, and tabs in
 * the line are kept in the caret's indentation so the caret stays under the character.
 */
export function buildSyntaxExcerpt(lines: LineIndex, at: SourcePosition, offset: number): string {
  const out = [`At line ${at.line}, column ${at.column} (offset ${offset}):`];
  if (at.line > 1) out.push(numbered(at.line - 1, lines.lineText(at.line - 1)));
  const text = lines.lineText(at.line);
  out.push(numbered(at.line, text));
  const before = [...text].slice(0, at.column - 1).map((c) => (c === "\t" ? "\t" : " ")).join("");
  out.push(`${" ".repeat(7)}${before}^`);
  return `${out.join("\n")}\n`;
}

function numbered(line: number, text: string): string {
  return `${String(line).padStart(5)}: ${text}`;
}
