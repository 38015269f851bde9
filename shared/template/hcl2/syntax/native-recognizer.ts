import type { HclDiagnostic, HclRange } from "../contract.js";
import { nameSuggestion } from "./name-suggestion.js";
import { rangeString } from "./range-string.js";
import { decodeQuotedLiteral } from "./native-template.js";
import { lexHcl, type Token, type TokenType } from "./native-tokens.js";
import { rangeBetween, type SourcePositions } from "./source-positions.js";

/**
 * hcl's parser (hclsyntax/parser.go and parser_template.go of hcl v2.6.0, the version in
 * Packer 1.6.6) reduced to its control flow: it builds no tree, it only walks the token stream
 * the way hcl does — newline rules, recovery mode and all — so that syntax errors come out with
 * hcl's summaries, details and ranges. The tree itself comes from tree-sitter.
 */
export function recognizeHcl(source: string, positions: SourcePositions): { diagnostics: HclDiagnostic[]; outline: BlockOutline[] } {
  const tokens = lexHcl(source);
  const diags = checkInvalidTokens(tokens, positions);
  const p = new Recognizer(tokens, positions);
  p.parseBody("EOF");
  return { diagnostics: [...diags, ...p.diags], outline: p.outline };
}

/**
 * hcl.ParseExpression's diagnostics: one expression, newlines ignored as inside parentheses,
 * nothing after it.
 */
export function recognizeHclExpression(source: string, positions: SourcePositions): HclDiagnostic[] {
  const tokens = lexHcl(source);
  const diags = checkInvalidTokens(tokens, positions);
  const p = new Recognizer(tokens, positions);
  p.parseBareExpression();
  return [...diags, ...p.diags];
}

/** hcl.ParseTemplate's diagnostics (what HCL's JSON syntax does with a string value). */
export function recognizeHclTemplate(source: string, positions: SourcePositions): HclDiagnostic[] {
  const tokens = lexHcl(source, "template");
  const diags = checkInvalidTokens(tokens, positions);
  const p = new Recognizer(tokens, positions);
  p.parseBareTemplate();
  return [...diags, ...p.diags];
}

/**
 * A top-level block as hcl's parser saw it, even around syntax errors: what hcl's diagnostic
 * printer names in "on FILE line N, in <header>:". Byte offsets; `end` is exclusive.
 */
export interface BlockOutline {
  header: string;
  start: number;
  end: number;
}

type Diag = HclDiagnostic;

function checkInvalidTokens(tokens: Token[], positions: SourcePositions): Diag[] {
  const diags: Diag[] = [];
  let bitwise = 0;
  let backtick = 0;
  let apostrophe = 0;
  let semicolon = 0;
  const r = (t: Token) => positions.range(t.start, t.end);
  for (const t of tokens) {
    switch (t.type) {
      case "BitwiseAnd":
      case "BitwiseOr":
      case "BitwiseXor":
      case "BitwiseNot":
        if (bitwise < 4) {
          // hcl v2.6.0's own wording, including its "boolean OR ("&&")" slip.
          const suggestion =
            t.type === "BitwiseAnd"
              ? ' Did you mean boolean AND ("&&")?'
              : t.type === "BitwiseOr"
                ? ' Did you mean boolean OR ("&&")?'
                : t.type === "BitwiseNot"
                  ? ' Did you mean boolean NOT ("!")?'
                  : "";
          diags.push({ severity: "error", summary: "Unsupported operator", detail: `Bitwise operators are not supported.${suggestion}`, subject: r(t) });
          bitwise++;
        }
        break;
      case "Backtick":
        if (backtick % 2 === 0)
          diags.push({
            severity: "error",
            summary: "Invalid character",
            detail: 'The "`" character is not valid. To create a multi-line string, use the "heredoc" syntax, like "<<EOT".',
            subject: r(t),
          });
        if (backtick <= 2) backtick++;
        break;
      case "Apostrophe":
        if (apostrophe % 2 === 0)
          diags.push({ severity: "error", summary: "Invalid character", detail: 'Single quotes are not valid. Use double quotes (") to enclose strings.', subject: r(t) });
        if (apostrophe <= 2) apostrophe++;
        break;
      case "Semicolon":
        if (semicolon < 1) {
          diags.push({
            severity: "error",
            summary: "Invalid character",
            detail: 'The ";" character is not valid. Use newlines to separate arguments and blocks, and commas to separate items in collection values.',
            subject: r(t),
          });
          semicolon++;
        }
        break;
      case "QuotedNewline":
        diags.push({
          severity: "error",
          summary: "Invalid multi-line string",
          detail:
            'Quoted strings may not be split over multiple lines. To produce a multi-line string, either use the \\n escape to represent a newline character or use the "heredoc" multi-line template syntax.',
          subject: r(t),
        });
        break;
      case "Invalid":
        diags.push({ severity: "error", summary: "Invalid character", detail: "This character is not used within the language.", subject: r(t) });
        break;
    }
  }
  return diags;
}

const BINARY_LEVELS: TokenType[][] = [
  ["Or"],
  ["And"],
  ["EqualOp", "NotEqual"],
  ["GreaterThan", "GreaterThanEq", "LessThan", "LessThanEq"],
  ["Plus", "Minus"],
  ["Star", "Slash", "Percent"],
];

const OPPOSITE: Partial<Record<TokenType, TokenType>> = {
  OBrace: "CBrace", OBrack: "CBrack", OParen: "CParen", OQuote: "CQuote", OHeredoc: "CHeredoc",
  CBrace: "OBrace", CBrack: "OBrack", CParen: "OParen", CQuote: "OQuote", CHeredoc: "OHeredoc",
  TemplateControl: "TemplateSeqEnd", TemplateInterp: "TemplateSeqEnd", TemplateSeqEnd: "TemplateInterp",
};

/** A stand-in for hcl's expression nodes: only their extent (UTF-16 offsets; ranges are made only for diagnostics). */
interface Expr {
  start: number;
  end: number;
}

const span = (a: Expr, b: Expr): Expr => ({ start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) });

type TemplatePartToken =
  | { kind: "literal" | "interp"; start: number; end: number }
  | { kind: "if" | "for" | "else" | "endif" | "endfor"; start: number; end: number }
  | { kind: "end"; start: number; end: number };

class Recognizer {
  readonly diags: Diag[] = [];
  private next = 0;
  private recovery = false;
  private readonly newlines: boolean[] = [true];
  readonly outline: BlockOutline[] = [];
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly positions: SourcePositions,
  ) {}

  // --- peeker -------------------------------------------------------------------------------

  private scan(): [Token, number] {
    const include = this.newlines[this.newlines.length - 1];
    for (let i = this.next; i < this.tokens.length; i++) {
      const t = this.tokens[i];
      if (t.type === "Comment") {
        // A line comment ends with its newline: that newline still ends the line.
        if (include && t.text.endsWith("\n")) return [{ type: "Newline", start: t.start, end: t.end, text: "\n" }, i + 1];
        continue;
      }
      if (t.type === "Newline" && !include) continue;
      return [t, i + 1];
    }
    return [this.tokens[this.tokens.length - 1], this.tokens.length];
  }
  private peek(): Token {
    return this.scan()[0];
  }
  private read(): Token {
    const [t, n] = this.scan();
    this.next = n;
    return t;
  }
  private prevRange(): HclRange {
    if (this.next === 0) return this.r(this.peek());
    return this.r(this.tokens[this.next - 1]);
  }
  private r(t: Expr): HclRange {
    return this.positions.range(t.start, t.end);
  }
  private push(include: boolean) {
    this.newlines.push(include);
  }
  private pop() {
    this.newlines.pop();
  }
  private error(summary: string, detail: string, subject: HclRange, context?: HclRange) {
    this.diags.push({ severity: "error", summary, detail, subject, ...(context ? { context } : {}) });
  }

  private recover(end: TokenType): Token {
    const start = OPPOSITE[end];
    this.recovery = true;
    let nest = 0;
    for (;;) {
      const t = this.read();
      let ty = t.type;
      if (end === "TemplateSeqEnd" && ty === "TemplateControl") ty = "TemplateInterp";
      if (ty === start) nest++;
      else if (ty === end) {
        if (nest < 1) return t;
        nest--;
      } else if (ty === "EOF") return t;
    }
  }

  private recoverAfterBodyItem() {
    this.recovery = true;
    const open: TokenType[] = [];
    for (;;) {
      const t = this.read();
      switch (t.type) {
        case "Newline":
          if (open.length === 0) return;
          break;
        case "EOF":
          return;
        case "OBrace":
        case "OBrack":
        case "OParen":
        case "OQuote":
        case "OHeredoc":
        case "TemplateInterp":
        case "TemplateControl":
          open.push(t.type);
          break;
        case "CBrace":
        case "CBrack":
        case "CParen":
        case "CQuote":
        case "CHeredoc": {
          const opener = OPPOSITE[t.type];
          while (open.length > 0 && open[open.length - 1] !== opener) open.pop();
          if (open.length > 0) open.pop();
          break;
        }
        case "TemplateSeqEnd":
          while (open.length > 0 && open[open.length - 1] !== "TemplateInterp" && open[open.length - 1] !== "TemplateControl") open.pop();
          if (open.length > 0) open.pop();
          break;
      }
    }
  }

  // --- entry points for bare expressions and templates ---------------------------------------

  parseBareExpression(): void {
    this.push(false);
    this.parseExpression();
    const next = this.peek();
    if (next.type !== "EOF" && !this.recovery)
      this.error("Extra characters after expression", "An expression was successfully parsed, but extra characters were found after it.", this.r(next));
    this.pop();
  }

  parseBareTemplate(): void {
    this.parseTemplateParts("EOF");
  }

  // --- bodies ---------------------------------------------------------------------------------

  parseBody(end: TokenType): void {
    const seen = new Map<string, HclRange>();
    for (;;) {
      const next = this.peek();
      if (next.type === end) {
        this.read();
        return;
      }
      if (next.type === "Newline") {
        this.read();
        continue;
      }
      if (next.type === "Ident") {
        const item = this.parseBodyItem();
        if (item?.kind === "attribute") {
          const existing = seen.get(item.name);
          if (existing) {
            this.error(
              "Attribute redefined",
              `The argument ${JSON.stringify(item.name)} was already set at ${rangeString(existing)}. Each argument may be set only once.`,
              item.nameRange,
            );
          } else seen.set(item.name, item.nameRange);
        }
        continue;
      }
      const bad = this.read();
      if (!this.recovery) {
        if (bad.type === "OQuote") this.error("Invalid argument name", "Argument names must not be quoted.", this.r(bad));
        else this.error("Argument or block definition required", "An argument or block definition is required here.", this.r(bad));
      }
      this.recover(end);
      return;
    }
  }

  private parseBodyItem(): { kind: "attribute"; name: string; nameRange: HclRange } | { kind: "block" } | undefined {
    const ident = this.read();
    const next = this.peek();
    if (next.type === "Equal") {
      this.finishAttribute(ident, false);
      return { kind: "attribute", name: ident.text, nameRange: this.r(ident) };
    }
    if (next.type === "OQuote" || next.type === "OBrace" || next.type === "Ident") {
      const top = this.depth === 0;
      this.depth++;
      const { labels, end } = this.finishBlock(ident);
      this.depth--;
      if (top) {
        const header = [ident.text, ...labels.map((l) => JSON.stringify(l))].join(" ");
        this.outline.push({ header, start: this.r(ident).start.byte, end: end.end.byte });
      }
      return { kind: "block" };
    }
    this.recoverAfterBodyItem();
    this.error(
      "Argument or block definition required",
      'An argument or block definition is required here. To set an argument, use the equals sign "=" to introduce the argument value.',
      this.r(ident),
    );
    return undefined;
  }

  private parseSingleAttrBody(): void {
    const ident = this.read();
    if (ident.type !== "Ident") {
      this.recoverAfterBodyItem();
      this.error("Argument or block definition required", "An argument or block definition is required here.", this.r(ident));
      return;
    }
    const next = this.peek();
    if (next.type === "Equal") {
      this.finishAttribute(ident, true);
      return;
    }
    this.recoverAfterBodyItem();
    if (next.type === "OQuote" || next.type === "OBrace" || next.type === "Ident") {
      this.error(
        "Argument definition required",
        `A single-line block definition can contain only a single argument. If you meant to define argument ${JSON.stringify(ident.text)}, use an equals sign to assign it a value. To define a nested block, place it on a line of its own within its parent block.`,
        rangeBetween(this.r(ident), this.r(next)),
      );
    } else {
      this.error(
        "Argument or block definition required",
        'An argument or block definition is required here. To set an argument, use the equals sign "=" to introduce the argument value.',
        this.r(ident),
      );
    }
  }

  private finishAttribute(ident: Token, singleLine: boolean): void {
    this.read(); // "="
    const before = this.mark();
    this.parseExpression();
    const failed = this.failedSince(before);
    if (this.recovery && failed) {
      this.recoverAfterBodyItem();
      return;
    }
    if (singleLine) return;
    const end = this.peek();
    if (end.type !== "Newline" && end.type !== "EOF") {
      if (!this.recovery) {
        const comma = end.type === "Comma";
        this.error(
          comma ? "Unexpected comma after argument" : "Missing newline after argument",
          (comma ? "Argument definitions must be separated by newlines, not commas. " : "") + "An argument definition must end with a newline.",
          this.r(end),
          rangeBetween(this.r(ident), this.r(end)),
        );
      }
      this.recoverAfterBodyItem();
    } else this.read();
  }

  /** Returns the labels as hcl reads them and the range hcl's Block ends with. */
  private finishBlock(ident: Token): { labels: string[]; end: HclRange } {
    const labels: string[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok.type === "OBrace") {
        this.read();
        break;
      }
      if (tok.type === "OQuote") {
        labels.push(this.parseQuotedStringLiteral());
        continue;
      }
      if (tok.type === "Ident") {
        labels.push(this.read().text);
        continue;
      }
      const context = rangeBetween(this.r(ident), this.r(tok));
      if (tok.type === "Equal")
        this.error("Invalid block definition", 'The equals sign "=" indicates an argument definition, and must not be used when defining a block.', this.r(tok), context);
      else if (tok.type === "Newline")
        this.error(
          "Invalid block definition",
          'A block definition must have block content delimited by "{" and "}", starting on the same line as the block header.',
          this.r(tok),
          context,
        );
      else if (!this.recovery)
        this.error("Invalid block definition", 'Either a quoted string block label or an opening brace ("{") is expected here.', this.r(tok), context);
      this.recoverAfterBodyItem();
      // hcl's placeholder block spans only its type name.
      return { labels, end: this.r(ident) };
    }
    const t = this.peek().type;
    if (t === "Newline" || t === "EOF" || t === "CBrace") this.parseBody("CBrace");
    else {
      // hcl appends the single-line body's own diagnostics after the block's.
      const mark = this.diags.length;
      this.parseSingleAttrBody();
      const bodyDiags = this.diags.splice(mark);
      const after = this.peek();
      if (after.type === "CBrace") this.read();
      else {
        if (after.type === "Comma")
          this.error(
            "Invalid single-argument block definition",
            "Single-line block syntax can include only one argument definition. To define multiple arguments, use the multi-line block syntax with one argument definition per line.",
            this.r(after),
          );
        else if (after.type === "Newline")
          this.error(
            "Invalid single-argument block definition",
            "An argument definition on the same line as its containing block creates a single-line block definition, which must also be closed on the same line. Place the block's closing brace immediately after the argument definition.",
            this.r(after),
          );
        else if (!this.recovery)
          this.error(
            "Invalid single-argument block definition",
            "A single-line block definition must end with a closing brace immediately after its single argument definition.",
            this.r(after),
          );
        this.recover("CBrace");
      }
      this.diags.push(...bodyDiags);
    }
    const end = this.prevRange();
    const eol = this.peek();
    if (eol.type === "Newline" || eol.type === "EOF") this.read();
    else {
      if (!this.recovery)
        this.error("Missing newline after block definition", "A block definition must end with a newline.", this.r(eol), rangeBetween(this.r(ident), this.r(eol)));
      this.recoverAfterBodyItem();
    }
    return { labels, end };
  }

  /** A block label: escapes decoded, template sequences shown as `${ ... }` as hcl does. */
  private parseQuotedStringLiteral(): string {
    const open = this.read();
    let value = "";
    for (;;) {
      const tok = this.read();
      switch (tok.type) {
        case "CQuote":
          return value;
        case "QuotedLit":
          value += decodeQuotedLiteral(tok.text, tok.start, this.positions, this.diags);
          continue;
        case "TemplateControl":
        case "TemplateInterp": {
          const which = tok.type === "TemplateControl" ? "%" : "$";
          this.error(
            "Invalid string literal",
            `Template sequences are not allowed in this string. To include a literal ${JSON.stringify(which)}, double it (as "${which}${which}") to escape it.`,
            this.r(tok),
            rangeBetween(this.r(open), this.r(tok)),
          );
          value += `${which}{ ... }`;
          this.recover("TemplateSeqEnd");
          continue;
        }
        case "EOF":
          this.error("Unterminated string literal", "Unable to find the closing quote mark before the end of the file.", this.r(tok), rangeBetween(this.r(open), this.r(tok)));
          return value;
        default:
          this.error("Invalid string literal", "This item is not valid in a string literal.", this.r(tok), rangeBetween(this.r(open), this.r(tok)));
          this.recover("CQuote");
          return value;
      }
    }
  }

  // --- expressions ----------------------------------------------------------------------------

  private mark(): number {
    return this.diags.length;
  }
  private failedSince(m: number): boolean {
    return this.diags.length > m;
  }

  parseExpression(): Expr {
    return this.parseTernary();
  }

  private parseTernary(): Expr {
    const start = this.peek();
    const m = this.mark();
    const cond = this.parseBinary(0);
    if (this.recovery && this.failedSince(m)) return cond;
    if (this.peek().type !== "Question") return cond;
    this.read();
    const m2 = this.mark();
    this.parseExpression();
    if (this.recovery && this.failedSince(m2)) return cond;
    const colon = this.peek();
    if (colon.type !== "Colon") {
      this.error(
        "Missing false expression in conditional",
        "The conditional operator (...?...:...) requires a false expression, delimited by a colon.",
        this.r(colon),
        rangeBetween(this.r(start), this.r(colon)),
      );
      return cond;
    }
    this.read();
    const m3 = this.mark();
    const f = this.parseExpression();
    if (this.recovery && this.failedSince(m3)) return cond;
    return span(start, f);
  }

  private parseBinary(level: number): Expr {
    if (level >= BINARY_LEVELS.length) return this.parseWithTraversals();
    const ops = BINARY_LEVELS[level];
    const m = this.mark();
    let lhs = this.parseBinary(level + 1);
    if (this.recovery && this.failedSince(m)) return lhs;
    while (ops.includes(this.peek().type)) {
      this.read();
      const m2 = this.mark();
      const rhs = this.parseBinary(level + 1);
      lhs = span(lhs, rhs);
      if (this.recovery && this.failedSince(m2)) return lhs;
    }
    return lhs;
  }

  private parseWithTraversals(): Expr {
    const term = this.parseTerm();
    return this.parseTraversals(term);
  }

  private parseTraversals(from: Expr): Expr {
    let ret = from;
    for (;;) {
      const next = this.peek();
      if (next.type === "Dot") {
        this.read();
        const attr = this.peek();
        if (attr.type === "Ident") {
          this.read();
          ret = span(ret, attr);
        } else if (attr.type === "NumberLit") {
          this.read();
          const dot = attr.text.indexOf(".");
          if (dot >= 0) {
            this.error(
              "Invalid legacy index syntax",
              `When using the legacy index syntax, chaining two indexes together is not permitted. Use the proper index syntax instead, like [${attr.text.slice(0, dot)}][${attr.text.slice(dot + 1)}].`,
              this.r(attr),
            );
          }
          ret = span(ret, attr);
        } else if (attr.type === "Star") {
          let last = this.read();
          while (this.peek().type === "Dot") {
            this.read();
            const t = this.peek();
            if (t.type === "NumberLit") {
              last = this.read();
              const dot = t.text.indexOf(".");
              if (dot >= 0)
                this.error(
                  "Invalid legacy index syntax",
                  `When using the legacy index syntax, chaining two indexes together is not permitted. Use the proper index syntax with a full splat expression [*] instead, like [${t.text.slice(0, dot)}][${t.text.slice(dot + 1)}].`,
                  this.r(attr),
                );
              continue;
            }
            if (t.type !== "Ident") {
              if (!this.recovery) {
                if (t.type === "Star")
                  this.error("Nested splat expression not allowed", "A splat expression (*) cannot be used inside another attribute-only splat expression.", this.r(t));
                else this.error("Invalid attribute name", "An attribute name is required after a dot.", this.r(attr));
              }
              this.recovery = true;
              break;
            }
            last = this.read();
          }
          ret = span(ret, last);
        } else {
          this.error("Invalid attribute name", "An attribute name is required after a dot.", this.r(attr));
          this.recovery = true;
        }
        continue;
      }
      if (next.type === "OBrack") {
        this.read();
        if (this.peek().type === "Star") {
          this.read();
          let close = this.read();
          if (close.type !== "CBrack" && !this.recovery) {
            // hcl takes the subject's address and then reassigns `close` to the token recovery
            // stopped at: the diagnostic points there (often the end of the file).
            close = this.recover("CBrack");
            this.error(
              "Missing close bracket on splat index",
              'The star for a full splat operator must be immediately followed by a closing bracket ("]").',
              this.r(close),
            );
          }
          const each = this.parseTraversals(close);
          ret = span(ret, each);
          continue;
        }
        this.push(false);
        const m = this.mark();
        this.parseExpression();
        let close: Token;
        if (this.recovery && this.failedSince(m)) close = this.recover("CBrack");
        else {
          close = this.read();
          if (close.type !== "CBrack" && !this.recovery) {
            // As above: hcl's subject is where recovery stopped.
            close = this.recover("CBrack");
            this.error("Missing close bracket on index", 'The index operator must end with a closing bracket ("]").', this.r(close));
          }
        }
        this.pop();
        ret = span(ret, close);
        continue;
      }
      return ret;
    }
  }

  private parseTerm(): Expr {
    const start = this.peek();
    switch (start.type) {
      case "OParen": {
        this.read();
        this.push(false);
        const m = this.mark();
        const e = this.parseExpression();
        if (this.failedSince(m)) {
          this.recover("CParen");
          this.pop();
          return e;
        }
        const close = this.peek();
        if (close.type !== "CParen") {
          this.error("Unbalanced parentheses", "Expected a closing parenthesis to terminate the expression.", this.r(close), rangeBetween(this.r(start), this.r(close)));
          this.recovery = true;
        }
        this.read();
        this.pop();
        return span(start, close);
      }
      case "NumberLit":
        this.read();
        // cty.ParseNumberVal: the lexer accepts runs like "1.5.3" that are no number.
        if (!/^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(start.text))
          this.error("Invalid number literal", "Failed to recognize the value of this number literal.", this.r(start));
        return start;
      case "Ident": {
        this.read();
        if (this.peek().type === "OParen") return this.finishCall(start);
        return start;
      }
      case "OQuote":
      case "OHeredoc": {
        this.read();
        this.parseTemplateParts(start.type === "OQuote" ? "CQuote" : "CHeredoc");
        return { start: start.start, end: this.tokens[this.next - 1]?.end ?? start.end };
      }
      case "Minus":
      case "Bang": {
        this.read();
        return span(start, this.parseWithTraversals());
      }
      case "OBrack":
        return this.parseTuple();
      case "OBrace":
        return this.parseObject();
      default:
        if (!this.recovery)
          this.error("Invalid expression", "Expected the start of an expression, but found an invalid expression token.", this.r(start));
        this.recovery = true;
        return start;
    }
  }

  private finishCall(name: Token): Expr {
    const open = this.read();
    this.push(false);
    let close: Token = open;
    for (;;) {
      if (this.peek().type === "CParen") {
        close = this.read();
        break;
      }
      const m = this.mark();
      this.parseExpression();
      if (this.recovery && this.failedSince(m)) {
        close = this.recover("CParen");
        break;
      }
      const sep = this.read();
      if (sep.type === "CParen") {
        close = sep;
        break;
      }
      if (sep.type === "Ellipsis") {
        if (this.peek().type !== "CParen") {
          if (!this.recovery)
            this.error(
              "Missing closing parenthesis",
              "An expanded function argument (with ...) must be immediately followed by closing parentheses.",
              this.r(sep),
              rangeBetween(this.r(name), this.r(sep)),
            );
          close = this.recover("CParen");
        } else close = this.read();
        break;
      }
      if (sep.type !== "Comma") {
        this.error("Missing argument separator", "A comma is required to separate each function argument from the next.", this.r(sep), rangeBetween(this.r(name), this.r(sep)));
        close = this.recover("CParen");
        break;
      }
      if (this.peek().type === "CParen") {
        close = this.read();
        break;
      }
    }
    this.pop();
    return span(name, close);
  }

  private parseTuple(): Expr {
    const open = this.read();
    this.push(false);
    try {
      if (this.peek().type === "Ident" && this.peek().text === "for") return this.finishFor(open);
      let close: Token;
      for (;;) {
        if (this.peek().type === "CBrack") {
          close = this.read();
          break;
        }
        const m = this.mark();
        this.parseExpression();
        if (this.recovery && this.failedSince(m)) {
          close = this.recover("CBrack");
          break;
        }
        const next = this.peek();
        if (next.type === "CBrack") {
          close = this.read();
          break;
        }
        if (next.type !== "Comma") {
          if (!this.recovery)
            this.error("Missing item separator", "Expected a comma to mark the beginning of the next item.", this.r(next), rangeBetween(this.r(open), this.r(next)));
          close = this.recover("CBrack");
          break;
        }
        this.read();
      }
      return span(open, close);
    } finally {
      this.pop();
    }
  }

  private parseObject(): Expr {
    const open = this.read();
    this.push(false);
    const isFor = this.peek().type === "Ident" && this.peek().text === "for";
    this.pop();
    if (isFor) return this.finishFor(open);
    this.push(true);
    try {
      let close: Token;
      for (;;) {
        const next = this.peek();
        if (next.type === "Newline") {
          this.read();
          continue;
        }
        if (next.type === "CBrace") {
          close = this.read();
          break;
        }
        const m = this.mark();
        this.parseExpression();
        if (this.recovery && this.failedSince(m)) {
          close = this.recover("CBrace");
          break;
        }
        const sep = this.peek();
        if (sep.type !== "Equal" && sep.type !== "Colon") {
          if (!this.recovery) {
            const ctx = rangeBetween(this.r(open), this.r(sep));
            if (sep.type === "Newline" || sep.type === "Comma")
              this.error("Missing attribute value", 'Expected an attribute value, introduced by an equals sign ("=").', this.r(sep), ctx);
            else if (sep.type === "Ident")
              this.error(
                "Missing key/value separator",
                'Expected an equals sign ("=") to mark the beginning of the attribute value. If you intended to given an attribute name containing periods or spaces, write the name in quotes to create a string literal.',
                this.r(sep),
                ctx,
              );
            else this.error("Missing key/value separator", 'Expected an equals sign ("=") to mark the beginning of the attribute value.', this.r(sep), ctx);
          }
          close = this.recover("CBrace");
          break;
        }
        this.read();
        const m2 = this.mark();
        this.parseExpression();
        if (this.recovery && this.failedSince(m2)) {
          close = this.recover("CBrace");
          break;
        }
        const after = this.peek();
        if (after.type === "CBrace") {
          close = this.read();
          break;
        }
        if (after.type !== "Comma" && after.type !== "Newline") {
          if (!this.recovery)
            this.error(
              "Missing attribute separator",
              "Expected a newline or comma to mark the beginning of the next attribute.",
              this.r(after),
              rangeBetween(this.r(open), this.r(after)),
            );
          close = this.recover("CBrace");
          break;
        }
        this.read();
      }
      return span(open, close);
    } finally {
      this.pop();
    }
  }

  private finishFor(open: Token): Expr {
    this.push(false);
    try {
      this.read(); // "for"
      const makeObj = open.type === "OBrace";
      const closeType: TokenType = makeObj ? "CBrace" : "CBrack";
      const fail = (detail: string): Expr => {
        if (!this.recovery) this.error("Invalid 'for' expression", detail, this.r(this.peek()), rangeBetween(this.r(open), this.r(this.peek())));
        const close = this.recover(closeType);
        return span(open, close);
      };
      if (this.peek().type !== "Ident") return fail("For expression requires variable name after 'for'.");
      this.read();
      if (this.peek().type === "Comma") {
        this.read();
        if (this.peek().type !== "Ident") return fail("For expression requires value variable name after comma.");
        this.read();
      }
      if (!(this.peek().type === "Ident" && this.peek().text === "in")) return fail("For expression requires the 'in' keyword after its name declarations.");
      this.read();
      const m = this.mark();
      this.parseExpression();
      if (this.recovery && this.failedSince(m)) {
        const close = this.recover(closeType);
        return span(open, close);
      }
      if (this.peek().type !== "Colon") return fail("For expression requires a colon after the collection expression.");
      this.read();
      const m2 = this.mark();
      let valExpr = this.parseExpression();
      let keyExpr: Expr | undefined;
      if (this.peek().type === "FatArrow") {
        this.read();
        keyExpr = valExpr;
        valExpr = this.parseExpression();
      }
      if (this.recovery && this.failedSince(m2)) {
        const close = this.recover(closeType);
        return span(open, close);
      }
      let ellipsis: Token | undefined;
      if (this.peek().type === "Ellipsis") ellipsis = this.read();
      if (this.peek().type === "Ident" && this.peek().text === "if") {
        this.read();
        const m3 = this.mark();
        this.parseExpression();
        if (this.recovery && this.failedSince(m3)) {
          const close = this.recover(closeType);
          return span(open, close);
        }
      }
      let close: Token;
      if (this.peek().type === closeType) close = this.read();
      else {
        if (!this.recovery)
          this.error("Invalid 'for' expression", "Extra characters after the end of the 'for' expression.", this.r(this.peek()), rangeBetween(this.r(open), this.r(this.peek())));
        close = this.recover(closeType);
      }
      const ctx = rangeBetween(this.r(open), this.r(close));
      if (!makeObj) {
        if (keyExpr) this.error("Invalid 'for' expression", "Key expression is not valid when building a tuple.", this.r(keyExpr), ctx);
        if (ellipsis) this.error("Invalid 'for' expression", "Grouping ellipsis (...) cannot be used when building a tuple.", this.r(ellipsis), ctx);
      } else if (!keyExpr) this.error("Invalid 'for' expression", "Key expression is required when building an object.", this.r(valExpr), ctx);
      return span(open, close);
    } finally {
      this.pop();
    }
  }

  // --- templates ------------------------------------------------------------------------------

  /** Reads a template up to `end`, checking its sequences and the nesting of its directives. */
  private parseTemplateParts(end: TokenType): void {
    const parts: TemplatePartToken[] = [];
    const startTok = this.peek();
    let endTok: Token;
    for (;;) {
      const next = this.read();
      if (next.type === end) {
        endTok = next;
        break;
      }
      if (next.type === "StringLit" || next.type === "QuotedLit") {
        if (next.type === "QuotedLit") decodeQuotedLiteral(next.text, next.start, this.positions, this.diags);
        parts.push({ kind: "literal", start: next.start, end: next.end });
        continue;
      }
      if (next.type === "TemplateInterp") {
        this.push(false);
        this.parseExpression();
        const close = this.peek();
        if (close.type !== "TemplateSeqEnd") {
          if (!this.recovery)
            this.error(
              "Extra characters after interpolation expression",
              "Expected a closing brace to end the interpolation expression, but found extra characters.",
              this.r(close),
              rangeBetween(this.r(startTok), this.r(close)),
            );
          this.recover("TemplateSeqEnd");
        } else this.read();
        this.pop();
        parts.push({ kind: "interp", start: next.start, end: close.end });
        continue;
      }
      if (next.type === "TemplateControl") {
        this.push(false);
        const kw = this.peek();
        if (kw.type !== "Ident") {
          if (!this.recovery)
            this.error(
              "Invalid template directive",
              'A template directive keyword ("if", "for", etc) is expected at the beginning of a %{ sequence.',
              this.r(kw),
              rangeBetween(this.r(next), this.r(kw)),
            );
          this.recover("TemplateSeqEnd");
          this.pop();
          continue;
        }
        this.read();
        const directive = (kind: TemplatePartToken["kind"]) => parts.push({ kind, start: next.start, end: this.peek().end } as TemplatePartToken);
        let bad = false;
        switch (kw.text) {
          case "if":
            this.parseExpression();
            directive("if");
            break;
          case "else":
          case "endif":
          case "endfor":
            directive(kw.text);
            break;
          case "for": {
            const forFail = (detail: string) => {
              if (!this.recovery) this.error("Invalid 'for' directive", detail, this.r(this.peek()));
              this.recover("TemplateSeqEnd");
              this.pop();
              bad = true;
            };
            if (this.peek().type !== "Ident") {
              forFail("For directive requires variable name after 'for'.");
              break;
            }
            this.read();
            if (this.peek().type === "Comma") {
              this.read();
              if (this.peek().type !== "Ident") {
                forFail("For directive requires value variable name after comma.");
                break;
              }
              this.read();
            }
            if (!(this.peek().type === "Ident" && this.peek().text === "in")) {
              forFail("For directive requires 'in' keyword after names.");
              break;
            }
            this.read();
            this.parseExpression();
            directive("for");
            break;
          }
          default: {
            if (!this.recovery) {
              const s = nameSuggestion(kw.text, ["if", "for", "else", "endif", "endfor"]);
              this.error(
                "Invalid template control keyword",
                `${JSON.stringify(kw.text)} is not a valid template control keyword.${s !== undefined ? ` Did you mean ${JSON.stringify(s)}?` : ""}`,
                this.r(kw),
                rangeBetween(this.r(next), this.r(kw)),
              );
            }
            this.recover("TemplateSeqEnd");
            this.pop();
            bad = true;
          }
        }
        if (bad) continue;
        const close = this.peek();
        if (close.type !== "TemplateSeqEnd") {
          if (!this.recovery)
            this.error(
              `Extra characters in ${kw.text} marker`,
              "Expected a closing brace to end the sequence, but found extra characters.",
              this.r(close),
              rangeBetween(this.r(startTok), this.r(close)),
            );
          this.recover("TemplateSeqEnd");
        } else this.read();
        this.pop();
        continue;
      }
      if (!this.recovery)
        this.error("Unterminated template string", "No closing marker was found for the string.", this.r(next), rangeBetween(this.r(startTok), this.r(next)));
      endTok = this.recover(end);
      break;
    }
    parts.push({ kind: "end", start: endTok.start, end: endTok.end });
    this.checkDirectives(parts);
  }

  /** hcl's templateParser: directives must nest (if/else/endif, for/endfor). */
  private checkDirectives(parts: TemplatePartToken[]): void {
    let i = 0;
    const parseExpr = (): void => {
      const t = parts[i];
      switch (t.kind) {
        case "literal":
        case "interp":
          i++;
          return;
        case "if":
          return parseIf();
        case "for":
          return parseFor();
        case "end":
          i++;
          this.error("Unexpected end of template", "The control directives within this template are unbalanced.", this.r(t));
          return;
        default:
          i++;
          this.error(`Unexpected ${t.kind} directive`, "The control directives within this template are unbalanced.", this.r(t));
      }
    };
    const parseIf = (): void => {
      const open = parts[i++];
      let inElse = false;
      for (;;) {
        const next = parts[i];
        if (next.kind === "end") {
          this.error("Unexpected end of template", `The if directive at ${rangeString(this.r(open))} is missing its corresponding endif directive.`, this.r(next));
          return;
        }
        if (next.kind === "else" || next.kind === "endif" || next.kind === "endfor") {
          i++;
          if (next.kind === "else" && !inElse) {
            inElse = true;
            continue;
          }
          if (next.kind === "endif") return;
          if (next.kind === "else") this.error("Unexpected else directive", `Already in the else clause for the if started at ${rangeString(this.r(open))}.`, this.r(next));
          else this.error(`Unexpected ${next.kind} directive`, `Expecting an endif directive for the if started at ${rangeString(this.r(open))}.`, this.r(next));
          return;
        }
        parseExpr();
      }
    };
    const parseFor = (): void => {
      const open = parts[i++];
      for (;;) {
        const next = parts[i];
        if (next.kind === "end") {
          this.error("Unexpected end of template", `The for directive at ${rangeString(this.r(open))} is missing its corresponding endfor directive.`, this.r(next));
          return;
        }
        if (next.kind === "else" || next.kind === "endif" || next.kind === "endfor") {
          i++;
          if (next.kind === "endfor") return;
          if (next.kind === "else") this.error("Unexpected else directive", "An else clause is not expected for a for directive.", this.r(next));
          else this.error(`Unexpected ${next.kind} directive`, `Expecting an endfor directive corresponding to the for directive at ${rangeString(this.r(open))}.`, this.r(next));
          return;
        }
        parseExpr();
      }
    };
    while (parts[i].kind !== "end") parseExpr();
  }
}
