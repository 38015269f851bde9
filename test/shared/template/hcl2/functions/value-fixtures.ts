/**
 * Test support: HCL values from JSON (arrays are tuples, objects are objects and strings are
 * NFC-normalised, as HCL literals are). Results are printed with the value room's
 * formatValueForConsole, as `packer console` prints them.
 */
import type { Value } from "../../../../../shared/template/hcl2/contract.js";

export function valueFromJson(x: unknown): Value {
  if (x === null) return { kind: "null", type: { kind: "dynamic" } };
  // hcl's parser NFC-normalises string literals ("e\u0301" arrives as "é").
  if (typeof x === "string") return { kind: "string", value: x.normalize("NFC") };
  if (typeof x === "number") return { kind: "number", value: x };
  if (typeof x === "boolean") return { kind: "bool", value: x };
  if (Array.isArray(x)) return { kind: "tuple", items: x.map(valueFromJson) };
  return { kind: "object", attrs: new Map(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, valueFromJson(v)])) };
}
