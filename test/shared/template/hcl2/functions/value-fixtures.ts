/**
 * Test support: HCL values from JSON (arrays are tuples, objects are objects and strings are
 * NFC-normalised, as HCL literals are), and Packer 1.6.6 console's printing of a value (hcl2template/repl FormatResult over
 * hcl2shim.ConfigValueFromHCL2), to compare with recorded `packer console` output.
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

/** Go's strconv.Quote. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

/** Go's fmt %g for a float64: shortest digits, exponent form when the exponent is < -4 or >= 6. */
function goFloat(n: number): string {
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 6) return n.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  return String(n);
}

function indent(s: string): string {
  return s
    .split("\n")
    .map((l) => "  " + l)
    .join("\n");
}

export function consoleOutput(v: Value, nested = false): string {
  switch (v.kind) {
    case "null":
      return "null";
    case "unknown":
      return "<unknown>";
    case "string":
      return nested ? goQuote(v.value) : v.value;
    case "number":
      return Number.isInteger(v.value) && Math.abs(v.value) < 2 ** 63 ? BigInt(v.value).toString() : goFloat(v.value);
    case "bool":
      return v.value ? "true" : "false";
    case "list":
    case "set":
    case "tuple":
      return "[" + (v.items.length > 0 ? "\n" : "") + v.items.map((i) => indent(consoleOutput(i, true)) + ",\n").join("") + "]";
    case "map":
    case "object": {
      // ConfigValueFromHCL2 leaves out null attributes.
      const keys = [...v.attrs.keys()].filter((k) => v.attrs.get(k)!.kind !== "null").sort();
      return "{" + (keys.length > 0 ? "\n" : "") + keys.map((k) => indent(`${goQuote(k)} = ${consoleOutput(v.attrs.get(k)!, true)}`) + "\n").join("") + "}";
    }
  }
}
