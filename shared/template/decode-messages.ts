/**
 * The wording of Packer's decoder (Go's mapstructure) for values of the wrong JSON type, so that
 * Kiln's messages match what Packer users search for:
 * `'' expected type 'string', got unconvertible type 'bool', value: 'true'`.
 */

/** Go's reflect kind of a decoded JSON value. */
export function goKind(v: unknown): string {
  if (v === null || v === undefined) return "invalid";
  if (Array.isArray(v)) return "slice";
  if (typeof v === "object") return "map";
  if (typeof v === "number") return "float64";
  if (typeof v === "boolean") return "bool";
  return "string";
}

/** Go's type name of a decoded JSON value. */
export function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return "[]interface {}";
  if (v !== null && typeof v === "object") return "map[string]interface {}";
  return goKind(v);
}

/** Go's `%v` of a decoded JSON value. */
export function goValueText(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goValueText).join(" ")}]`;
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goValueText(x)}`).join(" ")}]`;
  }
  if (typeof v === "number") return goFloatText(v);
  return String(v);
}

function goFloatText(n: number): string {
  // Go's %v of a float64 switches to exponent form from 1e21 up, as JavaScript does, but writes "e+21".
  return String(n).replace(/e([+-])(\d)$/, "e$10$2");
}

export function unconvertible(name: string, expected: string, v: unknown): string {
  return `'${name}' expected type '${expected}', got unconvertible type '${goTypeName(v)}', value: '${goValueText(v)}'`;
}

export function expectedMap(name: string, v: unknown): string {
  return `'${name}' expected a map, got '${goKind(v)}'`;
}

export function expectedSlice(name: string, v: unknown): string {
  return `'${name}': source data must be an array or slice, got ${goKind(v)}`;
}

/** mapstructure's Error text: `2 error(s) decoding:\n\n* a\n* b`, its lines sorted as mapstructure sorts them. */
export function mapstructureErrorText(messages: readonly string[]): string {
  const lines = messages.map((m) => `* ${m}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `${messages.length} error(s) decoding:\n\n${lines.join("\n")}`;
}
