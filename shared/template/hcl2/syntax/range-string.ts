import type { HclRange } from "../contract.js";

/** hcl.Range.String(): "file:line,col-col" on one line, "file:line,col-line,col" across lines. */
export function rangeString(r: HclRange): string {
  if (r.start.line === r.end.line) return `${r.file}:${r.start.line},${r.start.column}-${r.end.column}`;
  return `${r.file}:${r.start.line},${r.start.column}-${r.end.line},${r.end.column}`;
}
