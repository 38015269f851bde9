/**
 * cty's JSON mapping (cty/json): jsonencode's output (object keys sorted, numbers without
 * exponent, Go's HTML-safe escaping) and jsondecode's implied types (objects → object,
 * arrays → tuple, null → null of dynamic).
 */
import type { Value } from "../contract.js";
import { HclFunctionError } from "../contract.js";
import { bool, DYNAMIC, nullOf, num, numberToString, object, sortedKeys, str, tuple } from "./value-stand-in.js";

/** Go's encoding/json string escaping: \n \r \t short forms, other controls and <>& U+2028/9 as \u00XX. */
export function encodeJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || ch === "<" || ch === ">" || ch === "&" || c === 0x2028 || c === 0x2029) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** Compact JSON of a wholly known value, as cty's json.Marshal writes it. */
export function encodeJson(v: Value): string {
  switch (v.kind) {
    case "null":
      return "null";
    case "unknown":
      throw new HclFunctionError("value is not known");
    case "string":
      return encodeJsonString(v.value);
    case "number":
      if (!Number.isFinite(v.value)) throw new HclFunctionError("value must be a finite number");
      return numberToString(v.value);
    case "bool":
      return v.value ? "true" : "false";
    case "list":
    case "set":
    case "tuple":
      return "[" + v.items.map(encodeJson).join(",") + "]";
    case "map":
    case "object":
      return "{" + sortedKeys(v.attrs).map((k) => encodeJsonString(k) + ":" + encodeJson(v.attrs.get(k)!)).join(",") + "}";
  }
}

/** A parsed JSON document as a cty value of its implied type. */
export function decodeJson(text: string): Value {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new HclFunctionError(goJsonSyntaxError(text, (e as Error).message));
  }
  return fromJsonValue(parsed);
}

/** Go's encoding/json wording for the first syntax error (JSON.parse only tells the position). */
function goJsonSyntaxError(text: string, nodeMessage: string): string {
  const m = /position (\d+)/.exec(nodeMessage);
  const pos = m ? Number(m[1]) : text.length;
  if (pos >= text.length || text.trim() === "") return "unexpected end of JSON input";
  const ch = text[pos]!;
  const quoted = ch === "'" ? "'\\''" : ch === '"' ? "'\"'" : `'${ch}'`;
  const before = text.slice(0, pos).trimEnd();
  const prev = before[before.length - 1];
  let context = " looking for beginning of value";
  if (prev === "{") context = "";
  else if (prev === ",") context = /\{[^{}\[\]]*$/.test(before) ? " looking for beginning of object key string" : " looking for beginning of value";
  else if (prev !== undefined && prev !== "[" && prev !== ":") context = /\{[^{}\[\]]*$/.test(before) ? (/:[^,]*$/.test(before) ? " after object key:value pair" : " after object key") : " after array element";
  return `invalid character ${quoted}${context}`;
}

export function fromJsonValue(x: unknown): Value {
  if (x === null) return nullOf(DYNAMIC);
  if (typeof x === "string") return str(x);
  if (typeof x === "number") return num(x);
  if (typeof x === "boolean") return bool(x);
  if (Array.isArray(x)) return tuple(x.map(fromJsonValue));
  const attrs = new Map<string, Value>();
  for (const [k, a] of Object.entries(x as Record<string, unknown>)) attrs.set(k, fromJsonValue(a));
  return object(attrs);
}
