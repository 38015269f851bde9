/**
 * Finds the first JSON syntax error the way Go's encoding/json reports it (Packer's parser), so
 * Kiln prints the same words: `invalid character '}' looking for beginning of object key string`,
 * `unexpected end of JSON input`, … Strict JSON: no comments, no trailing commas.
 */
export interface JsonSyntaxProblem {
  message: string;
  /** String index of the offending character (the text's length at end of input). */
  index: number;
  /** Go's SyntaxError.Offset: bytes read, the offending one included. */
  offset: number;
}

class Stop {
  constructor(readonly message: string, readonly index: number, readonly atEnd: boolean) {}
}

export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  try {
    new GoJsonChecker(text).document();
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const bytesBefore = Buffer.byteLength(text.slice(0, e.index), "utf8");
    return { message: e.message, index: e.index, offset: e.atEnd ? bytesBefore : bytesBefore + 1 };
  }
}

class GoJsonChecker {
  private i = 0;

  constructor(private readonly s: string) {}

  document(): void {
    this.space();
    this.value();
    this.space();
    if (this.i < this.s.length) this.fail("after top-level value");
  }

  private value(): void {
    if (this.i >= this.s.length) this.end();
    const c = this.s[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    if (c === "t") return this.literal("true");
    if (c === "f") return this.literal("false");
    if (c === "n") return this.literal("null");
    this.fail("looking for beginning of value");
  }

  private object(): void {
    this.i++;
    this.space();
    if (this.peek() === "}") {
      this.i++;
      return;
    }
    for (;;) {
      if (this.i >= this.s.length) this.end();
      if (this.peek() !== '"') this.fail("looking for beginning of object key string");
      this.string();
      this.space();
      if (this.i >= this.s.length) this.end();
      if (this.peek() !== ":") this.fail("after object key");
      this.i++;
      this.space();
      this.value();
      this.space();
      if (this.i >= this.s.length) this.end();
      const c = this.peek();
      if (c === "}") {
        this.i++;
        return;
      }
      if (c !== ",") this.fail("after object key:value pair");
      this.i++;
      this.space();
    }
  }

  private array(): void {
    this.i++;
    this.space();
    if (this.peek() === "]") {
      this.i++;
      return;
    }
    for (;;) {
      this.value();
      this.space();
      if (this.i >= this.s.length) this.end();
      const c = this.peek();
      if (c === "]") {
        this.i++;
        return;
      }
      if (c !== ",") this.fail("after array element");
      this.i++;
      this.space();
    }
  }

  private string(): void {
    this.i++;
    for (;;) {
      if (this.i >= this.s.length) this.end();
      const c = this.s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c === 0x5c) {
        this.i++;
        if (this.i >= this.s.length) this.end();
        const e = this.s[this.i];
        if ('bfnrt\\/"'.includes(e)) {
          this.i++;
        } else if (e === "u") {
          this.i++;
          for (let k = 0; k < 4; k++) {
            if (this.i >= this.s.length) this.end();
            if (!/[0-9a-fA-F]/.test(this.s[this.i])) this.fail("in \\u hexadecimal character escape");
            this.i++;
          }
        } else {
          this.fail("in string escape code");
        }
        continue;
      }
      if (c < 0x20) this.fail("in string literal");
      this.i++;
    }
  }

  private number(): void {
    if (this.peek() === "-") {
      this.i++;
      if (this.i >= this.s.length) this.end();
      if (!isDigit(this.peek())) this.fail("in numeric literal");
    }
    if (this.peek() === "0") this.i++;
    else while (isDigit(this.peek())) this.i++;
    if (this.peek() === ".") {
      this.i++;
      if (this.i >= this.s.length) this.end();
      if (!isDigit(this.peek())) this.fail("after decimal point in numeric literal");
      while (isDigit(this.peek())) this.i++;
    }
    if (this.peek() === "e" || this.peek() === "E") {
      this.i++;
      if (this.peek() === "+" || this.peek() === "-") this.i++;
      if (this.i >= this.s.length) this.end();
      if (!isDigit(this.peek())) this.fail("in exponent of numeric literal");
      while (isDigit(this.peek())) this.i++;
    }
  }

  private literal(word: string): void {
    this.i++;
    for (const expected of word.slice(1)) {
      if (this.i >= this.s.length) this.end();
      if (this.peek() !== expected) this.fail(`in literal ${word} (expecting ${quoteGoChar(expected.charCodeAt(0))})`);
      this.i++;
    }
  }

  private space(): void {
    while (this.i < this.s.length && " \t\r\n".includes(this.s[this.i])) this.i++;
  }

  private peek(): string {
    return this.s[this.i] ?? "";
  }

  private fail(context: string): never {
    const cp = this.s.codePointAt(this.i) ?? 0;
    // Go scans bytes: a non-ASCII character is reported as its first UTF-8 byte.
    const goByte = cp < 0x80 ? cp : Buffer.from(String.fromCodePoint(cp), "utf8")[0];
    throw new Stop(`invalid character ${quoteGoChar(goByte)} ${context}`, this.i, false);
  }

  private end(): never {
    throw new Stop("unexpected end of JSON input", this.s.length, true);
  }
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/** encoding/json's quoteChar: `'x'`, with Go's escapes for what is not printable. */
function quoteGoChar(code: number): string {
  if (code === 0x27) return "'\\''";
  if (code === 0x22) return "'\"'";
  return `'${goQuoteRune(code)}'`;
}

const SHORT_ESCAPES: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 0x5c: "\\\\" };

function goQuoteRune(code: number): string {
  if (SHORT_ESCAPES[code]) return SHORT_ESCAPES[code];
  const ch = String.fromCodePoint(code);
  if (ch === " " || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) return ch;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
  return `\\u${code.toString(16).padStart(4, "0")}`;
}
