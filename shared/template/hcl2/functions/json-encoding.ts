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

/**
 * A JSON document as a cty value of its implied type. A small recursive-descent reader rather
 * than JSON.parse, so that errors read as Go's encoding/json decoder words them (cty reads JSON
 * token by token), and a repeated key keeps its last value as cty 1.4 does.
 */
export function decodeJson(text: string): Value {
  let p = 0;
  const n = text.length;
  const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r";
  const skip = (): void => {
    while (p < n && isSpace(text[p])) p++;
  };
  const quote = (c: string): string => (c === "'" ? "'\\''" : `'${c}'`);
  const bad = (context: string): never => {
    if (p >= n) throw new HclFunctionError("unexpected EOF");
    throw new HclFunctionError(`invalid character ${quote(String.fromCodePoint(text.codePointAt(p)!))}${context}`);
  };
  const literal = (word: string, v: Value): Value => {
    for (let k = 0; k < word.length; k++, p++) {
      if (p >= n) throw new HclFunctionError("unexpected EOF");
      if (text[p] !== word[k]) throw new HclFunctionError(`invalid character ${quote(text[p]!)} in literal ${word} (expecting ${quote(word[k]!)})`);
    }
    return v;
  };
  const stringToken = (): string => {
    const start = p;
    p++;
    while (p < n && text[p] !== '"') {
      if (text[p] === "\\") p++;
      else if (text.charCodeAt(p) < 0x20) throw new HclFunctionError(`invalid character ${quote(text[p]!)} in string literal`);
      p++;
    }
    if (p >= n) throw new HclFunctionError("unexpected EOF");
    p++;
    try {
      return JSON.parse(text.slice(start, p)) as string;
    } catch {
      throw new HclFunctionError("invalid escape in string literal");
    }
  };
  const value = (context: string): Value => {
    skip();
    const c = text[p];
    if (c === "{") {
      p++;
      const attrs = new Map<string, Value>();
      skip();
      if (text[p] === "}") {
        p++;
        return object(attrs);
      }
      for (let first = true; ; first = false) {
        skip();
        // Go's decoder gives no context right after `{`.
        if (text[p] !== '"') bad(first ? "" : " looking for beginning of object key string");
        const key = stringToken();
        skip();
        if (text[p] !== ":") bad(" after object key");
        p++;
        const v = value(" looking for beginning of value");
        attrs.set(key, v);
        skip();
        if (text[p] === ",") {
          p++;
          continue;
        }
        if (text[p] === "}") {
          p++;
          return object(attrs);
        }
        bad(" after object key:value pair");
      }
    }
    if (c === "[") {
      p++;
      const items: Value[] = [];
      skip();
      if (text[p] === "]") {
        p++;
        return tuple(items);
      }
      for (;;) {
        items.push(value(" looking for beginning of value"));
        skip();
        if (text[p] === ",") {
          p++;
          continue;
        }
        if (text[p] === "]") {
          p++;
          return tuple(items);
        }
        bad(" after array element");
      }
    }
    if (c === '"') return str(stringToken());
    if (c === "t") return literal("true", bool(true));
    if (c === "f") return literal("false", bool(false));
    if (c === "n") return literal("null", nullOf(DYNAMIC));
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(p));
    if (m) {
      p += m[0].length;
      return num(Number(m[0]));
    }
    return bad(context);
  };
  skip();
  if (p >= n) throw new HclFunctionError("EOF");
  const result = value(" looking for beginning of value");
  skip();
  if (p < n) throw new HclFunctionError("extraneous data after JSON object");
  return result;
}
