/**
 * JSON ↔ Value, as cty's json package does it for jsondecode/jsonencode and JSON variable files:
 * JSON objects are objects, arrays are tuples (cty's ImpliedType), object keys are written in
 * lexical order and strings escaped as Go's encoding/json escapes them.
 */
import type { Value } from "../contract.js";
import { numberToString } from "./number.js";
import { typeString } from "./types.js";
import { boolVal, nullVal, numberVal, objectVal, sortedEntries, stringVal, tupleVal, typeOf } from "./values.js";

/** Parsed JSON (JSON.parse output) → Value. */
export function fromJson(data: unknown): Value {
  if (data === null || data === undefined) return nullVal();
  if (typeof data === "string") return stringVal(data);
  if (typeof data === "number") return numberVal(data);
  if (typeof data === "boolean") return boolVal(data);
  if (Array.isArray(data)) return tupleVal(data.map(fromJson));
  if (typeof data === "object") {
    const attrs = new Map<string, Value>();
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) attrs.set(k, fromJson(v));
    return objectVal(attrs);
  }
  throw new TypeError(`cannot represent a ${typeof data} as an HCL value`);
}

/** A JSON value could not be made (an unknown value has no JSON form). */
export class JsonEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JsonEncodeError";
  }
}

export type JsonData = null | string | number | boolean | JsonData[] | { [key: string]: JsonData };

/** Value → plain JSON data (maps/objects with keys in lexical order). */
export function toJson(v: Value): JsonData {
  switch (v.kind) {
    case "unknown":
      throw new JsonEncodeError("value is not known");
    case "null":
      return null;
    case "string":
    case "number":
    case "bool":
      return v.value;
    case "list":
    case "set":
    case "tuple":
      return v.items.map(toJson);
    case "map":
    case "object": {
      const out: { [key: string]: JsonData } = {};
      for (const [k, item] of sortedEntries(v)) out[k] = toJson(item);
      return out;
    }
  }
}

/** The JSON text cty's json.Marshal writes (what jsonencode returns): compact, sorted keys, Go escaping. */
export function encodeJson(v: Value): string {
  switch (v.kind) {
    case "unknown":
      throw new JsonEncodeError("value is not known");
    case "null":
      return "null";
    case "string":
      return goJsonString(v.value);
    case "number":
      if (!Number.isFinite(v.value)) throw new JsonEncodeError(`cannot encode ${numberToString(v.value)} as JSON`);
      return numberToString(v.value);
    case "bool":
      return v.value ? "true" : "false";
    case "list":
    case "set":
    case "tuple":
      return `[${v.items.map(encodeJson).join(",")}]`;
    case "map":
    case "object":
      return `{${sortedEntries(v)
        .map(([k, item]) => `${goJsonString(k)}:${encodeJson(item)}`)
        .join(",")}}`;
    default:
      throw new JsonEncodeError(`cannot encode ${typeString(typeOf(v))} as JSON`);
  }
}

/** Go's encoding/json string encoding (HTML-safe: <, >, & and U+2028/2029 escaped). */
export function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || ch === "<" || ch === ">" || ch === "&" || c === 0x2028 || c === 0x2029) {
      out += `\\u${c.toString(16).padStart(4, "0")}`;
    } else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd"; // a lone surrogate is invalid UTF-8 to Go
    else out += ch;
  }
  return out + '"';
}
