/** Single-quotes a word for a POSIX shell on the far side of a communicator. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
