/**
 * What a caught value says: an Error's message, anything else (a thrown string, a rejection
 * with a plain value) as a string. One rule for every "could not …: <why>" Kiln prints or logs.
 */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
