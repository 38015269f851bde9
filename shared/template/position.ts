/** A place in a template file, 1-based line and column (columns count characters, not bytes). */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export function formatPosition(p: SourcePosition | undefined): string {
  return p ? `${p.file}:${p.line}:${p.column}` : "";
}
