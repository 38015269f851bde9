/**
 * jsondecode's reader: cty's implied types (objects → object, arrays → tuple, null → null of
 * dynamic) with Go's decoder messages. (jsonencode's writer is the value room's encodeJson.)
 */
import { HclFunctionError, type Value } from "../contract.js";
import { boolVal, dynamicType, nullVal, numberVal, objectVal, stringVal, tupleVal } from "../value/index.js";

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
    // Out of input between tokens Go's decoder says "EOF"; inside a token, "unexpected EOF".
    if (p >= n) throw new HclFunctionError("EOF");
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
        return objectVal(attrs);
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
          return objectVal(attrs);
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
        return tupleVal(items);
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
          return tupleVal(items);
        }
        bad(" after array element");
      }
    }
    if (c === '"') return stringVal(stringToken());
    if (c === "t") return literal("true", boolVal(true));
    if (c === "f") return literal("false", boolVal(false));
    if (c === "n") return literal("null", nullVal(dynamicType));
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(p));
    if (m) {
      p += m[0].length;
      return numberVal(Number(m[0]));
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
