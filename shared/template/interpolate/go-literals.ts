// Decoding of Go literals as text/template accepts them: quoted strings (strconv.Unquote),
// character constants and numbers (int64, with 0x/0o/0b prefixes and underscores, or float64).

/** Thrown when a literal is malformed; the parser turns it into a parse error. */
export class LiteralSyntaxError extends Error {}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 0x07,
  b: 0x08,
  f: 0x0c,
  n: 0x0a,
  r: 0x0d,
  t: 0x09,
  v: 0x0b,
  "\\": 0x5c,
};

/** Decodes one escape or character at `i` of `body`; returns its bytes and the next index. */
function decodeChar(body: string, i: number, quote: string): { bytes: number[]; next: number } {
  const ch = body[i];
  if (ch !== "\\") {
    const cp = body.codePointAt(i) ?? 0;
    const s = String.fromCodePoint(cp);
    return { bytes: [...Buffer.from(s, "utf8")], next: i + s.length };
  }
  const esc = body[i + 1];
  if (esc === undefined) throw new LiteralSyntaxError("invalid syntax");
  if (esc in SIMPLE_ESCAPES) return { bytes: [SIMPLE_ESCAPES[esc]], next: i + 2 };
  if (esc === quote && (quote === '"' || quote === "'")) return { bytes: [quote.charCodeAt(0)], next: i + 2 };
  const hexOf = (len: number): number => {
    const digits = body.slice(i + 2, i + 2 + len);
    if (digits.length !== len || !/^[0-9a-fA-F]+$/.test(digits)) throw new LiteralSyntaxError("invalid syntax");
    return parseInt(digits, 16);
  };
  switch (esc) {
    case "x":
      return { bytes: [hexOf(2)], next: i + 4 };
    case "u":
    case "U": {
      const len = esc === "u" ? 4 : 8;
      const cp = hexOf(len);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new LiteralSyntaxError("invalid syntax");
      return { bytes: [...Buffer.from(String.fromCodePoint(cp), "utf8")], next: i + 2 + len };
    }
    case "0":
    case "1":
    case "2":
    case "3":
    case "4":
    case "5":
    case "6":
    case "7": {
      const digits = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) throw new LiteralSyntaxError("invalid syntax");
      const value = parseInt(digits, 8);
      if (value > 255) throw new LiteralSyntaxError("invalid syntax");
      return { bytes: [value], next: i + 4 };
    }
  }
  throw new LiteralSyntaxError("invalid syntax");
}

/** strconv.Unquote for "…" and `…` literals. */
export function unquoteString(quoted: string): string {
  const quote = quoted[0];
  const body = quoted.slice(1, -1);
  if (quoted.length < 2 || quoted[quoted.length - 1] !== quote) throw new LiteralSyntaxError("invalid syntax");
  if (quote === "`") {
    if (body.includes("`")) throw new LiteralSyntaxError("invalid syntax");
    return body.replaceAll("\r", ""); // Go drops carriage returns from raw strings
  }
  if (quote !== '"' || body.includes("\n")) throw new LiteralSyntaxError("invalid syntax");
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] === '"') throw new LiteralSyntaxError("invalid syntax");
    const decoded = decodeChar(body, i, '"');
    bytes.push(...decoded.bytes);
    i = decoded.next;
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The code point of a character constant such as 'a' or '\n'. */
export function unquoteChar(quoted: string): number {
  const body = quoted.slice(1, -1);
  if (body.length === 0 || body === "'") throw new LiteralSyntaxError(`malformed character constant: ${quoted}`);
  const decoded = decodeChar(body, 0, "'");
  if (decoded.next !== body.length) throw new LiteralSyntaxError(`malformed character constant: ${quoted}`);
  if (body[0] === "\\" && (body[1] === "x" || /[0-7]/.test(body[1] ?? ""))) return decoded.bytes[0];
  return Buffer.from(decoded.bytes).toString("utf8").codePointAt(0) ?? 0;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(text, 0, 64); undefined when it is not an int64. */
export function parseGoInt(text: string): bigint | undefined {
  let s = text;
  let negative = false;
  if (s.startsWith("+") || s.startsWith("-")) {
    negative = s[0] === "-";
    s = s.slice(1);
  }
  let base = 10;
  let digits = s;
  let prefixed = false;
  if (/^0[xX]/.test(s)) [base, digits, prefixed] = [16, s.slice(2), true];
  else if (/^0[oO]/.test(s)) [base, digits, prefixed] = [8, s.slice(2), true];
  else if (/^0[bB]/.test(s)) [base, digits, prefixed] = [2, s.slice(2), true];
  else if (/^0[0-9_]/.test(s)) [base, digits, prefixed] = [8, s.slice(1), true];
  if (digits.includes("_")) {
    // Underscores separate digits; one may also follow a base prefix (Go literal syntax).
    const pattern = prefixed ? /^_?[^_]+(_[^_]+)*$/ : /^[^_]+(_[^_]+)*$/;
    if (!pattern.test(digits)) return undefined;
    digits = digits.replaceAll("_", "");
  }
  if (digits === "") return undefined;
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base];
  if (!valid || !valid.test(digits)) return undefined;
  const prefix = { 2: "0b", 8: "0o", 10: "", 16: "0x" }[base] ?? "";
  let value = BigInt(prefix + digits);
  if (negative) value = -value;
  if (value < INT64_MIN || value > INT64_MAX) return undefined;
  return value;
}

/** strconv.ParseFloat(text, 64) for decimal notation; undefined when invalid. */
export function parseGoFloat(text: string): number | undefined {
  const s = text.replaceAll("_", "");
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}
