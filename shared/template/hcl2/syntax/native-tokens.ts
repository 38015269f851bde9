/**
 * hcl's native-syntax lexer (hclsyntax/scan_tokens.rl), token for token. `kiln fmt` works on
 * this stream exactly as hclwrite.Format does, because canonical formatting only changes the
 * spaces between tokens. Offsets are UTF-16 indices into the source.
 */
export type TokenType =
  | "OBrace" | "CBrace" | "OBrack" | "CBrack" | "OParen" | "CParen"
  | "OQuote" | "CQuote" | "OHeredoc" | "CHeredoc"
  | "Star" | "Slash" | "Plus" | "Minus" | "Percent"
  | "Equal" | "EqualOp" | "NotEqual" | "LessThan" | "LessThanEq" | "GreaterThan" | "GreaterThanEq"
  | "And" | "Or" | "Bang" | "Dot" | "Comma" | "Ellipsis" | "FatArrow" | "Question" | "Colon"
  | "TemplateInterp" | "TemplateControl" | "TemplateSeqEnd"
  | "QuotedLit" | "StringLit" | "NumberLit" | "Ident" | "Comment" | "Newline" | "EOF"
  | "BitwiseAnd" | "BitwiseOr" | "BitwiseXor" | "BitwiseNot" | "Semicolon" | "Backtick" | "Apostrophe"
  | "QuotedNewline" | "Invalid";

export interface Token {
  type: TokenType;
  start: number;
  end: number;
  text: string;
}

const SELF: Record<string, TokenType> = {
  "[": "OBrack", "]": "CBrack", "(": "OParen", ")": "CParen", ".": "Dot", ",": "Comma", "*": "Star",
  "/": "Slash", "%": "Percent", "+": "Plus", "-": "Minus", "=": "Equal", "<": "LessThan", ">": "GreaterThan",
  "!": "Bang", "?": "Question", ":": "Colon", "&": "BitwiseAnd", "|": "BitwiseOr", "~": "BitwiseNot",
  "^": "BitwiseXor", ";": "Semicolon", "`": "Backtick", "'": "Apostrophe",
};
const TWO: Record<string, TokenType> = {
  "==": "EqualOp", "!=": "NotEqual", ">=": "GreaterThanEq", "<=": "LessThanEq", "&&": "And", "||": "Or", "=>": "FatArrow",
};

const ID_START = /[\p{ID_Start}_]/u;
const ID_CONTINUE = /[\p{ID_Continue}-]/u;

// ASCII fast paths: the Unicode property classes are only consulted for other characters.
function isIdStart(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
  return ID_START.test(ch);
}
function isIdContinue(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
  return ID_CONTINUE.test(ch);
}

/**
 * `config` reads a file (hcl's LexConfig); `template` reads a bare template such as a JSON string
 * value (LexTemplate): literal text with `${…}` and `%{…}` sequences, across lines.
 */
export function lexHcl(src: string, mode: "config" | "template" = "config"): Token[] {
  const tokens: Token[] = [];
  const n = src.length;
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  const emit = (type: TokenType, start: number, end: number) => tokens.push({ type, start, end, text: src.slice(start, end) });
  const charAt = (p: number) => {
    const c = src.charCodeAt(p);
    return c < 0xd800 || c > 0xdbff ? src[p] ?? "" : String.fromCodePoint(src.codePointAt(p) ?? 0);
  };

  // Modes as in the Ragel machine: a stack of template contexts entered by `"`, `<<EOF`, `${`, `%{`.
  // A bare template is read like a heredoc that has no closing marker.
  type Mode = { kind: "main"; braces: number } | { kind: "quoted" } | { kind: "heredoc"; marker?: string; startOfLine: boolean };
  const stack: Mode[] = [mode === "template" ? { kind: "heredoc", startOfLine: true } : { kind: "main", braces: 0 }];
  let braces = 0;
  const retBraces: number[] = [];

  const heredocTop = () => {
    for (let s = stack.length - 1; s >= 0; s--) {
      const m = stack[s];
      if (m.kind === "heredoc") return m;
    }
    return undefined;
  };
  const enterInterp = (type: TokenType, len: number) => {
    emit(type, i, i + len);
    i += len;
    braces++;
    retBraces.push(braces);
    const h = heredocTop();
    if (h) h.startOfLine = false;
    stack.push({ kind: "main", braces });
  };
  const interpAt = (p: number): number => {
    if ((src[p] === "$" || src[p] === "%") && src[p + 1] === "{") return src[p + 2] === "~" ? 3 : 2;
    return 0;
  };

  while (i < n) {
    const mode = stack[stack.length - 1];
    if (mode.kind === "quoted") {
      const c = src[i];
      const il = interpAt(i);
      if (il) {
        enterInterp(c === "$" ? "TemplateInterp" : "TemplateControl", il);
        continue;
      }
      if (c === '"') {
        emit("CQuote", i, i + 1);
        i++;
        stack.pop();
        continue;
      }
      if (c === "\n" || c === "\r") {
        let j = i;
        while (j < n && (src[j] === "\n" || src[j] === "\r")) j++;
        emit("QuotedNewline", i, j);
        i = j;
        continue;
      }
      // A literal run: `$`/`%` not starting a sequence (and `$${`, `%%{`), escapes, other chars.
      let j = i;
      if ((c === "$" || c === "%") && src[i + 1] !== "{") {
        j = i + 1;
        const il2 = interpAt(j);
        if (src[j] === c && il2) j += il2;
      } else {
        while (j < n) {
          const d = src[j];
          if (d === "\\" && j + 1 < n && src[j + 1] !== "\n" && src[j + 1] !== "\r") {
            j += 2;
            continue;
          }
          if (d === "$" || d === "%" || d === '"' || d === "\\" || d === "\n" || d === "\r") break;
          j++;
        }
        if (j === i) j = i + 1; // a lone backslash before a newline: invalid
      }
      emit(j === i + 1 && c === "\\" ? "Invalid" : "QuotedLit", i, j);
      i = j;
      continue;
    }
    if (mode.kind === "heredoc") {
      const il = interpAt(i);
      if (il) {
        enterInterp(src[i] === "$" ? "TemplateInterp" : "TemplateControl", il);
        continue;
      }
      // HeredocStringLiteral: `$`/`%` not followed by `{` (with `$${` kept), or a run up to `$`, `%` or EOL.
      let j = i;
      if ((src[i] === "$" || src[i] === "%") && src[i + 1] !== "{") {
        j = i + 1;
        const il2 = interpAt(j);
        if (src[j] === src[i] && il2) j += il2;
      } else {
        while (j < n && src[j] !== "$" && src[j] !== "%" && src[j] !== "\n" && src[j] !== "\r") j++;
      }
      const eol = src[j] === "\n" ? 1 : src[j] === "\r" && src[j + 1] === "\n" ? 2 : 0;
      if (eol) {
        if (mode.marker !== undefined && mode.startOfLine && src.slice(i, j).trim() === mode.marker) {
          emit("CHeredoc", i, j);
          emit("Newline", j, j + eol);
          i = j + eol;
          stack.pop();
          continue;
        }
        mode.startOfLine = true;
        emit("StringLit", i, j + eol);
        i = j + eol;
        continue;
      }
      mode.startOfLine = false;
      if (j === i) j = i + 1;
      emit("StringLit", i, j);
      i = j;
      continue;
    }

    // main
    const c = src[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "\n" || (c === "\r" && src[i + 1] === "\n")) {
      const len = c === "\n" ? 1 : 2;
      emit("Newline", i, i + len);
      i += len;
      continue;
    }
    if (c === "#" || (c === "/" && src[i + 1] === "/")) {
      let j = i;
      while (j < n && src[j] !== "\n" && !(src[j] === "\r" && src[j + 1] === "\n")) j++;
      if (j < n) j += src[j] === "\n" ? 1 : 2;
      emit("Comment", i, j);
      i = j;
      continue;
    }
    // An unterminated `/*` is no comment: the Ragel machine falls back to "/" then "*" tokens.
    if (c === "/" && src[i + 1] === "*" && src.indexOf("*/", i + 2) >= 0) {
      const j = src.indexOf("*/", i + 2) + 2;
      emit("Comment", i, j);
      i = j;
      continue;
    }
    if (c >= "0" && c <= "9") {
      let j = i + 1;
      for (;;) {
        if (src[j] >= "0" && src[j] <= "9") j++;
        else if (src[j] === "." && src[j + 1] >= "0" && src[j + 1] <= "9") j += 2;
        else if ((src[j] === "e" || src[j] === "E") && src[j + 1] >= "0" && src[j + 1] <= "9") j += 2;
        else if ((src[j] === "e" || src[j] === "E") && (src[j + 1] === "+" || src[j + 1] === "-") && src[j + 2] >= "0" && src[j + 2] <= "9") j += 3;
        else break;
      }
      emit("NumberLit", i, j);
      i = j;
      continue;
    }
    const ch = charAt(i);
    if (isIdStart(ch)) {
      let j = i + ch.length;
      while (j < n) {
        const d = charAt(j);
        if (!isIdContinue(d)) break;
        j += d.length;
      }
      emit("Ident", i, j);
      i = j;
      continue;
    }
    if (c === "." && src[i + 1] === "." && src[i + 2] === ".") {
      emit("Ellipsis", i, i + 3);
      i += 3;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (Object.hasOwn(TWO, two)) {
      emit(TWO[two], i, i + 2);
      i += 2;
      continue;
    }
    if (c === "<" && src[i + 1] === "<") {
      // `<<EOF` or `<<-EOF` then a newline opens a heredoc.
      let j = i + 2;
      if (src[j] === "-") j++;
      const idStart = j;
      const first = charAt(j);
      if (j < n && isIdStart(first)) {
        j += first.length;
        while (j < n && isIdContinue(charAt(j))) j += charAt(j).length;
        const nl = src[j] === "\n" ? 1 : src[j] === "\r" && src[j + 1] === "\n" ? 2 : 0;
        if (nl) {
          emit("OHeredoc", i, j + nl);
          stack.push({ kind: "heredoc", marker: src.slice(idStart, j), startOfLine: true });
          i = j + nl;
          continue;
        }
      }
    }
    if (c === "{") {
      emit("OBrace", i, i + 1);
      braces++;
      i++;
      continue;
    }
    if (c === "}" || (c === "~" && src[i + 1] === "}")) {
      const len = c === "}" ? 1 : 2;
      if (retBraces.length > 0 && retBraces[retBraces.length - 1] === braces) {
        emit("TemplateSeqEnd", i, i + len);
        braces--;
        retBraces.pop();
        if (stack.length > 1) stack.pop();
      } else {
        emit(len === 2 ? "TemplateSeqEnd" : "CBrace", i, i + len);
        braces--;
      }
      i += len;
      continue;
    }
    if (c === '"') {
      emit("OQuote", i, i + 1);
      stack.push({ kind: "quoted" });
      i++;
      continue;
    }
    if (Object.hasOwn(SELF, c)) {
      emit(SELF[c], i, i + 1);
      i++;
      continue;
    }
    emit("Invalid", i, i + ch.length);
    i += ch.length;
  }
  emit("EOF", n, n);
  return tokens;
}

/**
 * The text tree-sitter is given: tree-sitter-hcl's number rule wants a fraction before an
 * exponent, so `1e20` or `2e-7` (valid HCL) would be an ERROR node. Their exponent characters are
 * turned into digits, keeping every offset; the converter reads numbers from the real text.
 */
export function treeSitterInput(src: string): string {
  let out: string | undefined;
  for (const t of lexHcl(src)) {
    if (t.type !== "NumberLit" || !/[eE]/.test(t.text)) continue;
    out ??= src;
    out = out.slice(0, t.start) + t.text.replace(/[eE+-]/g, "0") + out.slice(t.end);
  }
  return out ?? src;
}
