/**
 * What "agree" means: same exit status; for errors the same problem (Kiln's output holds Packer's
 * message, or most of its key words); for successes the same stdout where Packer's is
 * deterministic (or one of the variants Packer printed).
 */
const STOP_WORDS = new Set(["must", "with", "that", "this", "from", "have", "been", "will", "your", "error", "occurred", "template", "failed"]);

export function normaliseOutput(text: string, cwd: string): string {
  return text
    .split(cwd).join("<CWD>")
    .replace(/^\d{9,11},/gm, "<TIMESTAMP>,");
}

/**
 * `validate`'s stdout compared byte for byte. Packer wraps an error's text at 80 columns after it
 * names a real path, so where the recording holds a placeholder for a path (<CWD>, <CORPUS>, …)
 * the line breaks inside a paragraph depend on how long that path was where it ran: there, and only
 * there, a break inside a paragraph counts as a space.
 */
export function sameValidateStdout(expected: string, actual: string): boolean {
  if (expected === actual) return true;
  if (!/<(CWD|CORPUS|HOME|TMPDIR)>/.test(expected)) return false;
  const unwrap = (s: string): string => s.replace(/([^\n])\n(?=[^\n])/g, "$1 ");
  return unwrap(expected) === unwrap(actual);
}

const collapse = (s: string): string => s.replace(/\s+/g, " ").trim();

function keyWords(s: string): string[] {
  const words = s.toLowerCase().match(/[a-z0-9_<>.\-/']{4,}/g) ?? [];
  return [...new Set(words.filter((w) => !STOP_WORDS.has(w)))];
}

/** True when `actual` reports the same problem as Packer's `expected` message. */
export function sameProblem(expected: string, actual: string): boolean {
  const e = collapse(expected);
  const a = collapse(actual);
  if (a.includes(e)) return true;
  const words = keyWords(e);
  if (words.length === 0) return true;
  const found = words.filter((w) => a.toLowerCase().includes(w)).length;
  return found / words.length >= 0.7;
}

export function sameStdout(expected: readonly string[], actual: string): boolean {
  return expected.some((e) => e === actual);
}
