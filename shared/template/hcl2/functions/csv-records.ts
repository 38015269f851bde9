/**
 * Go's encoding/csv reader with its defaults (comma separator, no lazy quotes, every record as
 * wide as the first), which csvdecode uses: the same records and the same error wording.
 */
import { fail } from "./function-spec.js";

const QUOTE_ERROR = 'extraneous or missing " in quoted-field';
const BARE_QUOTE_ERROR = 'bare " in non-quoted-field';

export function readCsvRecords(input: string): string[][] {
  const text = input.replace(/\r\n/g, "\n");
  const records: string[][] = [];
  let width = -1;
  let line = 1;
  let p = 0;
  const n = text.length;
  while (p < n) {
    // Empty lines are skipped.
    if (text[p] === "\n") {
      p++;
      line++;
      continue;
    }
    const recordLine = line;
    const record: string[] = [];
    let lineStart = p;
    let previousLineStart = p;
    for (;;) {
      let field = "";
      if (text[p] === '"') {
        p++;
        for (;;) {
          if (p >= n) {
            // Go reads line by line: at the end it reports the last line it read, newline included.
            const [l, from] = lineStart === n && n > 0 ? [line - 1, previousLineStart] : [line, lineStart];
            fail(`parse error on line ${l}, column ${[...text.slice(from, p)].length + 1}: ${QUOTE_ERROR}`);
          }
          const c = text[p]!;
          if (c === '"') {
            if (text[p + 1] === '"') {
              field += '"';
              p += 2;
              continue;
            }
            p++;
            if (p < n && text[p] !== "," && text[p] !== "\n") fail(`parse error on line ${line}, column ${[...text.slice(lineStart, p)].length}: ${QUOTE_ERROR}`);
            break;
          }
          if (c === "\n") {
            line++;
            previousLineStart = lineStart;
            lineStart = p + 1;
          }
          field += c;
          p++;
        }
      } else {
        while (p < n && text[p] !== "," && text[p] !== "\n") {
          if (text[p] === '"') fail(`parse error on line ${line}, column ${[...text.slice(lineStart, p)].length + 1}: ${BARE_QUOTE_ERROR}`);
          field += text[p];
          p++;
        }
      }
      record.push(field);
      if (p < n && text[p] === ",") {
        p++;
        continue;
      }
      if (p < n) {
        p++;
        line++;
      }
      break;
    }
    if (width < 0) width = record.length;
    else if (record.length !== width) fail(`record on line ${recordLine}: wrong number of fields`);
    records.push(record);
  }
  return records;
}
