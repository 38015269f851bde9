import { wordWrap } from "./word-wrap.js";

/**
 * One error of `validate` (and `build` before it starts), as Packer 1.6.6 reports it: a summary
 * line (`Failed to prepare build: "x"`, or empty) and a detail paragraph.
 */
export interface Diagnostic {
  summary: string;
  detail: string;
  /** The build it belongs to, when there is one. */
  build?: string;
  /** Where to look, `file:line:col` and the field, when known: Kiln adds this to Packer's text. */
  where?: string;
  /** Packer's warnings (`Warning when preparing build: "x"`) do not stop anything. Default: error. */
  severity?: "error" | "warning";
}

/** Packer's `Error: summary\n\ndetail\n\n` (or `Warning: …`) blocks, then a blank line; details wrapped at 80 columns. */
export function formatDiagnostics(diags: readonly Diagnostic[]): string {
  return diags.map((d) => `${d.severity === "warning" ? "Warning" : "Error"}: ${d.summary}\n\n${wordWrap(d.detail)}${d.where ? `\n\n${d.where}` : ""}\n\n`).join("") + "\n";
}

export function isError(d: Diagnostic): boolean {
  return d.severity !== "warning";
}
