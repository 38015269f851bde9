// Tokenizer for Go text/template source, following the Go 1.15 lexer that Packer 1.6.6 was
// built with: actions may not span lines (only raw strings and comments may), "{{- " and " -}}"
// trim the surrounding white space, and the first lexical error ends the token stream.

export type ItemType =
  | "text"
  | "leftDelim"
  | "rightDelim"
  | "space"
  | "identifier"
  | "field"
  | "variable"
  | "declare" // :=
  | "assign" // =
  | "pipe"
  | "leftParen"
  | "rightParen"
  | "string"
  | "rawString"
  | "number"
  | "charConstant"
  | "char" // any other printable ASCII character, e.g. ','
  | "bool"
  | "nil"
  | "dot"
  | "keyword"
  | "error"
  | "eof";

export interface Item {
  readonly type: ItemType;
  /** Byte offset in the source (Go positions are byte offsets). */
  readonly pos: number;
  readonly val: string;
  /** 1-based line where the item starts. */
  readonly line: number;
}

const LEFT_DELIM = "{{";
const RIGHT_DELIM = "}}";
const LEFT_COMMENT = "/*";
const RIGHT_COMMENT = "*/";
const TRIM_MARKER_LEN = 2; // "-" plus one space
const SPACE_CHARS = " \t\r\n";

const KEYWORDS = new Set(["block", "define", "else", "end", "if", "range", "template", "with"]);

function isSpace(ch: string): boolean {
  return ch === " " || ch === "\t";
}

function isEndOfLine(ch: string): boolean {
  return ch === "\r" || ch === "\n";
}

function isAlphaNumeric(ch: string): boolean {
  return ch === "_" || /^[\p{L}\p{Nd}]$/u.test(ch);
}

function hasLeftTrimMarker(s: string): boolean {
  return s.length >= 2 && s[0] === "-" && isSpace(s[1]);
}

function hasRightTrimMarker(s: string): boolean {
  return s.length >= 2 && isSpace(s[0]) && s[1] === "-";
}

/** Go's %#U rendering of a character, used in lexer error messages. */
function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")} '${ch}'`;
}

/**
 * Lexes `text` into items. The list always ends with an "eof" or an "error" item. Positions are
 * UTF-16 offsets internally; `byteOffset` converts them for messages.
 */
export function lex(text: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;

  const emit = (type: ItemType): void => {
    items.push({ type, pos: start, val: text.slice(start, pos), line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = (): void => {
    start = pos;
    startLine = line;
  };
  // Jumps forward over source text, counting the lines it crosses.
  const advanceTo = (target: number): void => {
    line += countNewlines(text.slice(pos, target));
    pos = target;
  };
  const fail = (message: string): void => {
    items.push({ type: "error", pos: start, val: message, line: startLine });
  };
  // Advance over one code point, tracking lines as Go's lexer does.
  const next = (): string => {
    if (pos >= text.length) return "";
    const cp = text.codePointAt(pos) ?? 0;
    const ch = String.fromCodePoint(cp);
    pos += ch.length;
    if (ch === "\n") line++;
    return ch;
  };
  const peek = (): string => {
    if (pos >= text.length) return "";
    return String.fromCodePoint(text.codePointAt(pos) ?? 0);
  };
  const backup = (ch: string): void => {
    pos -= ch.length;
    if (ch === "\n") line--;
  };

  // Returns false when lexing stops (eof or error).
  const lexText = (): "action" | "stop" => {
    const found = text.indexOf(LEFT_DELIM, pos);
    if (found < 0) {
      advanceTo(text.length);
      if (pos > start) emit("text");
      items.push({ type: "eof", pos, val: "", line });
      return "stop";
    }
    let textEnd = found;
    const afterDelim = text.slice(found + LEFT_DELIM.length);
    if (hasLeftTrimMarker(afterDelim)) {
      textEnd = found - rightTrimLength(text.slice(start, found));
    }
    advanceTo(textEnd);
    if (pos > start) emit("text");
    advanceTo(found);
    ignore();
    return "action";
  };

  // At a left delimiter: emits it, handles a trim marker and a comment. Returns whether an
  // action body follows.
  const lexLeftDelim = (): "inside" | "text" | "stop" => {
    pos += LEFT_DELIM.length;
    const trim = hasLeftTrimMarker(text.slice(pos));
    const afterMarker = trim ? TRIM_MARKER_LEN : 0;
    if (text.startsWith(LEFT_COMMENT, pos + afterMarker)) {
      pos += afterMarker;
      ignore();
      return lexComment();
    }
    emit("leftDelim");
    pos += afterMarker;
    ignore();
    parenDepth = 0;
    return "inside";
  };

  const lexComment = (): "text" | "stop" => {
    pos += LEFT_COMMENT.length;
    const end = text.indexOf(RIGHT_COMMENT, pos);
    if (end < 0) {
      fail("unclosed comment");
      return "stop";
    }
    advanceTo(end + RIGHT_COMMENT.length);
    const rest = text.slice(pos);
    const trimmed = hasRightTrimMarker(rest) && rest.startsWith(RIGHT_DELIM, TRIM_MARKER_LEN);
    if (!trimmed && !rest.startsWith(RIGHT_DELIM)) {
      fail("comment ends before closing delimiter");
      return "stop";
    }
    if (trimmed) pos += TRIM_MARKER_LEN;
    pos += RIGHT_DELIM.length;
    if (trimmed) advanceTo(pos + leftTrimLength(text.slice(pos)));
    ignore();
    return "text";
  };

  const atRightDelim = (): { delim: boolean; trim: boolean } => {
    const rest = text.slice(pos);
    if (hasRightTrimMarker(rest) && rest.startsWith(RIGHT_DELIM, TRIM_MARKER_LEN)) return { delim: true, trim: true };
    if (rest.startsWith(RIGHT_DELIM)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  };

  // Lexes one token inside an action; returns where to go next.
  const lexInsideAction = (): "inside" | "text" | "stop" => {
    const { delim, trim } = atRightDelim();
    if (delim) {
      if (parenDepth > 0) {
        fail("unclosed left paren");
        return "stop";
      }
      if (trim) pos += TRIM_MARKER_LEN;
      ignore();
      pos += RIGHT_DELIM.length;
      emit("rightDelim");
      if (trim) {
        advanceTo(pos + leftTrimLength(text.slice(pos)));
        ignore();
      }
      return "text";
    }
    const ch = next();
    if (ch === "" || isEndOfLine(ch)) {
      fail("unclosed action");
      return "stop";
    }
    if (isSpace(ch)) {
      backup(ch);
      return lexSpace();
    }
    switch (ch) {
      case "=":
        emit("assign");
        return "inside";
      case ":":
        if (next() !== "=") {
          fail("expected :=");
          return "stop";
        }
        emit("declare");
        return "inside";
      case "|":
        emit("pipe");
        return "inside";
      case '"':
        return lexQuoted('"', "string");
      case "`":
        return lexRawQuote();
      case "$":
        return lexVariable();
      case "'":
        return lexQuoted("'", "charConstant");
      case "(":
        emit("leftParen");
        parenDepth++;
        return "inside";
      case ")":
        emit("rightParen");
        parenDepth--;
        if (parenDepth < 0) {
          fail(`unexpected right paren ${describeChar(ch)}`);
          return "stop";
        }
        return "inside";
    }
    if (ch === ".") {
      // A dot followed by a non-digit starts a field; otherwise it may start a number.
      if (pos < text.length) {
        const after = text[pos];
        if (after < "0" || after > "9") return lexFieldOrDot();
      }
    }
    if (ch === "." || ch === "+" || ch === "-" || (ch >= "0" && ch <= "9")) {
      backup(ch);
      return lexNumber();
    }
    if (isAlphaNumeric(ch)) {
      backup(ch);
      return lexIdentifier();
    }
    const code = ch.codePointAt(0) ?? 0;
    if (code <= 0x7f && code >= 0x20 && code !== 0x7f) {
      emit("char");
      return "inside";
    }
    fail(`unrecognized character in action: ${describeChar(ch)}`);
    return "stop";
  };

  const lexSpace = (): "inside" => {
    let count = 0;
    while (isSpace(peek())) {
      next();
      count++;
    }
    // A space may belong to a trim-marked closing delimiter " -}}".
    const fromLast = text.slice(pos - 1);
    if (hasRightTrimMarker(fromLast) && fromLast.startsWith(RIGHT_DELIM, TRIM_MARKER_LEN)) {
      backup(" ");
      if (count === 1) return "inside";
    }
    emit("space");
    return "inside";
  };

  const lexIdentifier = (): "inside" | "stop" => {
    for (;;) {
      const ch = next();
      if (ch !== "" && isAlphaNumeric(ch)) continue;
      if (ch !== "") backup(ch);
      const word = text.slice(start, pos);
      if (!atTerminator()) {
        fail(`bad character ${describeChar(peek())}`);
        return "stop";
      }
      if (KEYWORDS.has(word)) emit("keyword");
      else if (word === "true" || word === "false") emit("bool");
      else if (word === "nil") emit("nil");
      else emit("identifier");
      return "inside";
    }
  };

  // After '.', either a lone dot or a field name.
  const lexFieldOrDot = (): "inside" | "stop" => {
    if (atTerminator()) {
      emit("dot");
      return "inside";
    }
    return lexFieldName("field");
  };

  const lexVariable = (): "inside" | "stop" => {
    if (atTerminator()) {
      emit("variable"); // "$" alone
      return "inside";
    }
    return lexFieldName("variable");
  };

  const lexFieldName = (type: "field" | "variable"): "inside" | "stop" => {
    for (;;) {
      const ch = next();
      if (ch !== "" && isAlphaNumeric(ch)) continue;
      if (ch !== "") backup(ch);
      break;
    }
    if (!atTerminator()) {
      fail(`bad character ${describeChar(peek())}`);
      return "stop";
    }
    emit(type);
    return "inside";
  };

  const atTerminator = (): boolean => {
    const ch = peek();
    if (ch === "" || isSpace(ch) || isEndOfLine(ch)) return true;
    // Go only looks at the first character of the right delimiter here.
    return ".,|:()}".includes(ch);
  };

  const lexNumber = (): "inside" | "stop" => {
    if (!scanNumber()) {
      fail(`bad number syntax: ${goQuote(text.slice(start, pos))}`);
      return "stop";
    }
    const sign = peek();
    if (sign === "+" || sign === "-") {
      // Complex constant: 1+2i.
      if (!scanNumber() || text[pos - 1] !== "i") {
        fail(`bad number syntax: ${goQuote(text.slice(start, pos))}`);
        return "stop";
      }
    }
    emit("number");
    return "inside";
  };

  const scanNumber = (): boolean => {
    const accept = (valid: string): boolean => {
      const ch = peek();
      if (ch !== "" && valid.includes(ch)) {
        next();
        return true;
      }
      return false;
    };
    const acceptRun = (valid: string): void => {
      while (accept(valid));
    };
    accept("+-");
    let digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (accept("oO")) digits = "01234567_";
      else if (accept("bB")) digits = "01_";
    }
    acceptRun(digits);
    if (accept(".")) acceptRun(digits);
    if (digits.length === 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.length === 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    accept("i");
    const ch = peek();
    if (ch !== "" && isAlphaNumeric(ch)) {
      next(); // the bad character is part of the quoted text in the message
      return false;
    }
    return true;
  };

  // A "…" string or a '…' character constant: escapes allowed, newlines not.
  const lexQuoted = (quote: string, type: "string" | "charConstant"): "inside" | "stop" => {
    const unterminated = type === "string" ? "unterminated quoted string" : "unterminated character constant";
    for (;;) {
      let ch = next();
      if (ch === "\\") ch = next();
      else if (ch === quote) break;
      if (ch === "" || ch === "\n") {
        fail(unterminated);
        return "stop";
      }
    }
    emit(type);
    return "inside";
  };

  const lexRawQuote = (): "inside" | "stop" => {
    const end = text.indexOf("`", pos);
    if (end < 0) {
      fail("unterminated raw quoted string");
      return "stop";
    }
    advanceTo(end + 1);
    emit("rawString");
    return "inside";
  };

  let state: "text" | "action" | "inside" | "stop" = "text";
  while (state !== "stop") {
    if (state === "text") state = lexText();
    else if (state === "action") state = lexLeftDelim();
    else state = lexInsideAction();
  }
  return items;
}

function countNewlines(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === "\n") n++;
  return n;
}

function rightTrimLength(s: string): number {
  let i = s.length;
  while (i > 0 && SPACE_CHARS.includes(s[i - 1])) i--;
  return s.length - i;
}

function leftTrimLength(s: string): number {
  let i = 0;
  while (i < s.length && SPACE_CHARS.includes(s[i])) i++;
  return i;
}

/** Go's %q for a plain string (enough for lexer messages). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}
