import { editDistance } from "../edit-distance.js";

/** hcl's nameSuggestion: the first candidate within Levenshtein distance 2. */
export function nameSuggestion(given: string, candidates: string[]): string | undefined {
  for (const c of candidates) if (editDistance(given, c) < 3) return c;
  return undefined;
}
