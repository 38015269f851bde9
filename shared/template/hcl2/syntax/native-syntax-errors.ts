import type { Node } from "web-tree-sitter";
import type { HclDiagnostic } from "../contract.js";
import { significant } from "./native-expressions.js";
import type { SourcePositions } from "./source-positions.js";
import { rangeBetween } from "./source-positions.js";

/**
 * tree-sitter recovers from errors differently from hcl's hand-written parser, so its ERROR and
 * MISSING nodes are translated back into the diagnostic hcl gives for the same text. hcl reports
 * the first structural error and then recovers quietly; so do we.
 */

const ARG_REQUIRED = "Argument or block definition required";
const ARG_REQUIRED_DETAIL = "An argument or block definition is required here.";
const INVALID_EXPR_DETAIL = "Expected the start of an expression, but found an invalid expression token.";

/** Spans tree-sitter read as strings, heredocs and comments: their characters are not tokens. */
const OPAQUE = new Set(["comment", "string_lit", "quoted_template", "heredoc_template"]);

/** hcl's checkInvalidTokens: characters that are not part of the language, outside strings and comments. */
export function invalidTokenDiagnostics(root: Node, text: string, positions: SourcePositions): HclDiagnostic[] {
  const covered: [number, number][] = [];
  const walk = (n: Node) => {
    if ((OPAQUE.has(n.type) && !n.hasError) || (n.childCount === 0 && !n.isError)) {
      covered.push([n.startIndex, n.endIndex]);
      return;
    }
    for (const k of n.children) walk(k);
  };
  walk(root);
  covered.sort((a, b) => a[0] - b[0]);
  const diags: HclDiagnostic[] = [];
  const told = { backtick: 0, apostrophe: 0, semicolon: 0 };
  let at = 0;
  const scan = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const c = text[i];
      const subject = () => positions.range(i, i + 1);
      if (c === "`") {
        if (told.backtick++ <= 2)
          diags.push({
            severity: "error",
            summary: "Invalid character",
            detail: 'The "`" character is not valid. To create a multi-line string, use the "heredoc" syntax, like "<<EOT".',
            subject: subject(),
          });
      } else if (c === "'") {
        if (told.apostrophe++ <= 2)
          diags.push({
            severity: "error",
            summary: "Invalid character",
            detail: 'Single quotes are not valid. Use double quotes (") to enclose strings.',
            subject: subject(),
          });
      } else if (c === ";") {
        if (told.semicolon++ < 1)
          diags.push({
            severity: "error",
            summary: "Invalid character",
            detail:
              'The ";" character is not valid. Use newlines to separate arguments and blocks, and commas to separate items in collection values.',
            subject: subject(),
          });
      } else if (c === "\u201c" || c === "\u201d" || c === "\u2018" || c === "\u2019") {
        diags.push({
          severity: "error",
          summary: "Invalid character",
          detail:
            '"Curly quotes" are not valid here. These can sometimes be inadvertently introduced when sharing code via documents or discussion forums. It might help to replace the character with a "straight quote".',
          subject: subject(),
        });
      } else if (/[@\\]/.test(c) || (c.charCodeAt(0) < 32 && c !== "\n" && c !== "\r" && c !== "\t")) {
        diags.push({ severity: "error", summary: "Invalid character", detail: "This character is not used within the language.", subject: subject() });
      }
    }
  };
  for (const [s, e] of covered) {
    if (s > at) scan(at, s);
    at = Math.max(at, e);
  }
  scan(at, text.length);
  return diags;
}

/** Leaves in document order (tokens tree-sitter read, including those inside ERROR nodes). */
function leaves(root: Node): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    if (n.childCount === 0 || OPAQUE.has(n.type)) {
      if (n.type !== "comment") out.push(n);
      return;
    }
    for (const k of n.children) walk(k);
  };
  walk(root);
  return out;
}

/** The diagnostic hcl gives for the first syntax error tree-sitter found. */
export function treeErrorDiagnostic(root: Node, text: string, positions: SourcePositions): HclDiagnostic | undefined {
  let first: Node | undefined;
  const find = (n: Node) => {
    if (first && n.startIndex > first.startIndex) return;
    if (n.isError || n.isMissing) {
      if (!first || n.startIndex < first.startIndex) first = n;
      return;
    }
    if (!n.hasError) return;
    for (const k of n.children) find(k);
  };
  find(root);
  if (!first) return undefined;
  const toks = leaves(root);
  const eofRange = () => {
    const end = text.length;
    return positions.range(end, end);
  };
  const nextLeaf = (after: number) => toks.find((t) => t.startIndex >= after && !t.isMissing);

  if (first.isMissing) {
    const t = nextLeaf(first.startIndex);
    if (!t) return { severity: "error", summary: ARG_REQUIRED, detail: ARG_REQUIRED_DETAIL, subject: eofRange() };
    return { severity: "error", summary: "Invalid expression", detail: INVALID_EXPR_DETAIL, subject: positions.range(t.startIndex, t.endIndex) };
  }

  // An ERROR node: read the item it starts as hcl's body parser would.
  const inner = toks.filter((t) => t.startIndex >= first!.startIndex);
  const t0 = inner[0];
  if (!t0) return { severity: "error", summary: ARG_REQUIRED, detail: ARG_REQUIRED_DETAIL, subject: eofRange() };
  const r = (n: Node) => positions.range(n.startIndex, n.endIndex);
  const inExpression = hasAncestor(first, ["expression", "attribute", "object", "tuple", "function_call", "template_interpolation"]);
  if (inExpression) return expressionError(first, toks, positions, eofRange);
  if (t0.type === "quoted_template_start" || t0.type === "string_lit" || t0.type === "quoted_template") {
    return {
      severity: "error",
      summary: "Invalid argument name",
      detail: "Argument names must not be quoted.",
      subject: positions.range(t0.startIndex, t0.startIndex + 1),
    };
  }
  if (t0.type === "identifier") {
    const t1 = inner[1];
    if (t1?.type === "=") {
      const t2 = inner[2];
      if (!t2) {
        return {
          severity: "error",
          summary: "Missing expression",
          detail: "Expected the start of an expression, but found the end of the file.",
          subject: eofRange(),
        };
      }
      // The expression after "=" parsed as far as tree-sitter could go: what follows it on the
      // same line is hcl's "Missing newline after argument"; a bad start is "Invalid expression".
      const exprNode = first.children.find((k) => k.type === "expression" && k.startIndex === t2.startIndex);
      if (!exprNode) return { severity: "error", summary: "Invalid expression", detail: INVALID_EXPR_DETAIL, subject: r(t2) };
      const after = inner.find((t) => t.startIndex >= exprNode.endIndex);
      if (after && positions.pos(after.startIndex).line === positions.pos(exprNode.endIndex).line) {
        return {
          severity: "error",
          summary: after.type === "," ? "Unexpected comma after argument" : "Missing newline after argument",
          detail:
            (after.type === "," ? "Argument definitions must be separated by newlines, not commas. " : "") +
            "An argument definition must end with a newline.",
          subject: r(after),
          context: rangeBetween(r(t0), r(after)),
        };
      }
      return { severity: "error", summary: ARG_REQUIRED, detail: ARG_REQUIRED_DETAIL, subject: after ? r(after) : eofRange() };
    }
    if (t1 && t1.type !== "quoted_template_start" && t1.type !== "string_lit" && t1.type !== "identifier" && t1.type !== "block_start" && t1.type !== "{") {
      return {
        severity: "error",
        summary: ARG_REQUIRED,
        detail: 'An argument or block definition is required here. To set an argument, use the equals sign "=" to introduce the argument value.',
        subject: r(t0),
      };
    }
    if (t1) {
      const bad = inner.slice(1).find((t) => t.type !== "string_lit" && t.type !== "identifier" && t.type !== "quoted_template_start" && t.type !== "template_literal" && t.type !== "quoted_template_end");
      if (bad && bad.type !== "{" && bad.type !== "block_start") {
        return {
          severity: "error",
          summary: "Invalid block definition",
          detail: bad.type === "=" ? 'The equals sign "=" indicates an argument definition, and must not be used when defining a block.' : 'Either a quoted string block label or an opening brace ("{") is expected here.',
          subject: r(bad),
        };
      }
    }
  }
  return { severity: "error", summary: ARG_REQUIRED, detail: ARG_REQUIRED_DETAIL, subject: r(t0) };
}

function hasAncestor(n: Node, types: string[]): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (types.includes(p.type)) return true;
    if (p.type === "body" || p.type === "block" || p.type === "config_file") return false;
  }
  return false;
}

function expressionError(first: Node, toks: Node[], positions: SourcePositions, eof: () => ReturnType<SourcePositions["range"]>): HclDiagnostic {
  const t = toks.find((k) => k.startIndex >= first.startIndex);
  if (!t) return { severity: "error", summary: "Missing expression", detail: "Expected the start of an expression, but found the end of the file.", subject: eof() };
  return { severity: "error", summary: "Invalid expression", detail: INVALID_EXPR_DETAIL, subject: positions.range(t.startIndex, t.endIndex) };
}

/** Depth changes of tokens that open or close a context where hcl ignores newlines. */
const OPENERS = new Set(["(", "[", "{", "tuple_start", "object_start", "quoted_template_start", "template_interpolation_start", "template_directive_start"]);
const CLOSERS = new Set([")", "]", "}", "tuple_end", "object_end", "quoted_template_end", "template_interpolation_end", "template_directive_end"]);

/**
 * tree-sitter-hcl treats newlines as whitespace; hcl does not. On an error-free tree, this finds
 * where hcl would have stopped: items sharing a line, block braces on their own line, and
 * expressions continuing on the next line outside brackets.
 */
export function newlineDiagnostics(root: Node, text: string, positions: SourcePositions): HclDiagnostic[] {
  const line = (offset: number) => positions.pos(offset).line;
  const r = (n: Node) => positions.range(n.startIndex, n.endIndex);
  const firstLeaf = (n: Node): Node => (n.childCount === 0 ? n : firstLeaf(significant(n)[0] ?? n));

  const checkBody = (items: Node[], open?: Node, close?: Node): HclDiagnostic | undefined => {
    if (open && items.length > 0 && line(items[0].startIndex) === line(open.startIndex)) {
      // A single-line block: `name { arg = value }`.
      const item = items[0];
      const kids = significant(item);
      if (item.type === "block") {
        const next = kids[1] ?? kids[0];
        return {
          severity: "error",
          summary: "Argument definition required",
          detail: `A single-line block definition can contain only a single argument. If you meant to define argument ${JSON.stringify(kids[0].text)}, use an equals sign to assign it a value. To define a nested block, place it on a line of its own within its parent block.`,
          subject: rangeBetween(r(kids[0]), r(firstLeaf(next))),
        };
      }
      const d = checkExpression(item);
      if (d) return d;
      if (items.length > 1 && line(items[1].startIndex) === line(item.endIndex)) {
        return {
          severity: "error",
          summary: "Invalid single-argument block definition",
          detail: "Single-line block syntax can include only one argument definition. To define multiple arguments, use the multi-line block syntax with one argument definition per line.",
          subject: r(firstLeaf(items[1])),
        };
      }
      if (close && line(close.startIndex) !== line(item.endIndex)) {
        const nl = text.indexOf("\n", item.endIndex);
        return {
          severity: "error",
          summary: "Invalid single-argument block definition",
          detail: "An argument definition on the same line as its containing block creates a single-line block definition, which must also be closed on the same line. Place the block's closing brace immediately after the argument definition.",
          subject: positions.range(nl, nl + 1),
        };
      }
      return undefined;
    }
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const next = items[i + 1];
      const endLine = line(item.endIndex);
      if (item.type === "attribute") {
        const d = checkExpression(item);
        if (d) return d;
        const after = next ?? (close && line(close.startIndex) === endLine ? close : undefined);
        if (after && line(after.startIndex) === endLine) {
          const tok = firstLeaf(after);
          return {
            severity: "error",
            summary: "Missing newline after argument",
            detail: "An argument definition must end with a newline.",
            subject: r(tok),
            context: rangeBetween(r(significant(item)[0]), r(tok)),
          };
        }
      } else if (item.type === "block") {
        const d = checkBlock(item);
        if (d) return d;
        const after = next ?? (close && line(close.startIndex) === endLine ? close : undefined);
        if (after && line(after.startIndex) === endLine) {
          return {
            severity: "error",
            summary: "Missing newline after block definition",
            detail: "A block definition must end with a newline.",
            subject: r(firstLeaf(after)),
          };
        }
      }
    }
    return undefined;
  };

  const checkBlock = (block: Node): HclDiagnostic | undefined => {
    const kids = significant(block);
    const open = kids.find((k) => k.type === "block_start")!;
    const close = kids.find((k) => k.type === "block_end")!;
    const headerEnd = kids[kids.indexOf(open) - 1] ?? kids[0];
    if (line(open.startIndex) !== line(kids[0].startIndex)) {
      const nl = text.indexOf("\n", headerEnd.endIndex);
      return {
        severity: "error",
        summary: "Invalid block definition",
        detail: 'A block definition must have block content delimited by "{" and "}", starting on the same line as the block header.',
        subject: positions.range(nl, nl + 1),
      };
    }
    const body = kids.find((k) => k.type === "body");
    return checkBody(body ? significant(body) : [], open, close);
  };

  /** hcl ends an argument's expression at the first newline outside brackets and templates. */
  const checkExpression = (attr: Node): HclDiagnostic | undefined => {
    const exprNode = significant(attr).find((k) => k.type === "expression");
    if (!exprNode || line(exprNode.startIndex) === line(exprNode.endIndex)) return undefined;
    let depth = 0;
    let prevEnd = exprNode.startIndex;
    const toks: Node[] = [];
    const walk = (n: Node) => {
      if (n.childCount === 0 || n.type === "heredoc_template") toks.push(n);
      else for (const k of n.children) walk(k);
    };
    walk(exprNode);
    for (const t of toks) {
      if (t.type === "comment") continue;
      if (depth === 0 && line(t.startIndex) > line(prevEnd)) {
        return { severity: "error", summary: ARG_REQUIRED, detail: ARG_REQUIRED_DETAIL, subject: r(t) };
      }
      if (OPENERS.has(t.type)) depth++;
      else if (CLOSERS.has(t.type)) depth--;
      prevEnd = t.endIndex;
    }
    return undefined;
  };

  const bodyNode = root.children.find((k) => k.type === "body");
  const d = checkBody(bodyNode ? significant(bodyNode) : []);
  return d ? [d] : [];
}
