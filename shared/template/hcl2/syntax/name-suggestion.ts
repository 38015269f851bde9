/** hcl's nameSuggestion: the first candidate within Levenshtein distance 2. */
export function nameSuggestion(given: string, candidates: string[]): string | undefined {
  for (const c of candidates) if (levenshtein(given, c) < 3) return c;
  return undefined;
}

function levenshtein(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}
