// The values a template computes with, modelled on the Go kinds text/template sees. Keeping
// Go's distinctions (int vs float64, a missing value vs nil) lets printing, comparisons and
// error messages match Go's.
//
//   undefined  an invalid reflect.Value (missing map key, nil data): prints "<no value>"
//   null       a nil interface{}: prints "<nil>"
//   string     string
//   bigint     int
//   number     float64
//   boolean    bool
//   GoValue[]  []interface {}
//   GoMap      map[string]interface {}

export type GoValue = undefined | null | string | bigint | number | boolean | readonly GoValue[] | GoMap;

export interface GoMap {
  readonly [key: string]: GoValue;
}

export function isGoMap(value: GoValue): value is GoMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isGoSlice(value: GoValue): value is readonly GoValue[] {
  return Array.isArray(value);
}

/** Go's reflect type name, as error messages and %T print it. */
export function goTypeName(value: GoValue): string {
  if (value === undefined || value === null) return "<nil>";
  switch (typeof value) {
    case "string":
      return "string";
    case "bigint":
      return "int";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
  }
  return Array.isArray(value) ? "[]interface {}" : "map[string]interface {}";
}

/** Go's template truth: empty values are false. */
export function isTrue(value: GoValue): boolean {
  if (value === undefined || value === null) return false;
  switch (typeof value) {
    case "string":
      return value.length > 0;
    case "bigint":
      return value !== 0n;
    case "number":
      return value !== 0;
    case "boolean":
      return value;
  }
  return Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0;
}

/**
 * Converts data handed in by TypeScript code (dot data, function results) to a GoValue.
 * Integral numbers become ints, because the Go side of such data (ports, counts) is int.
 */
export function fromJs(value: unknown): GoValue {
  switch (typeof value) {
    case "undefined":
      return undefined;
    case "string":
    case "boolean":
    case "bigint":
      return value;
    case "number":
      return Number.isInteger(value) ? BigInt(value) : value;
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(fromJs);
      if (value instanceof Date) return value.toISOString();
      const map: Record<string, GoValue> = Object.create(null) as Record<string, GoValue>;
      for (const [k, v] of Object.entries(value)) map[k] = fromJs(v);
      return map;
    }
    default:
      return String(value);
  }
}

/** The plain JavaScript form of a value, for functions a component supplies. */
export function toJs(value: GoValue): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(toJs);
  if (isGoMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJs(v)]));
  return value;
}
