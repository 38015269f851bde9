/** Source ranges the evaluator underlines, derived from the AST as hclsyntax derives them. */
import type { Expression, HclRange } from "../contract.js";

export function rangeBetween(a: HclRange, b: HclRange): HclRange {
  return { file: a.file, start: a.start, end: b.end };
}

/** The first character of a range (an opening bracket, a unary operator). */
function firstChar(r: HclRange): HclRange {
  return { file: r.file, start: r.start, end: { line: r.start.line, column: r.start.column + 1, byte: r.start.byte + 1 } };
}

/** The last character of a range (a call's closing parenthesis). */
export function lastChar(r: HclRange): HclRange {
  return { file: r.file, start: { line: r.end.line, column: Math.max(1, r.end.column - 1), byte: Math.max(0, r.end.byte - 1) }, end: r.end };
}

/** `name(`: what hcl underlines for a failed call (FunctionCallExpr.StartRange). */
export function callStartRange(e: Extract<Expression, { kind: "call" }>): HclRange {
  const n = e.nameRange;
  return { file: n.file, start: n.start, end: { line: n.end.line, column: n.end.column + 1, byte: n.end.byte + 1 } };
}

/** `[key]`: the bracket part of an index expression (hcl's IndexExpr.BracketRange). */
export function bracketRange(e: Extract<Expression, { kind: "index" }>): HclRange {
  const k = e.key.range;
  return { file: k.file, start: { line: k.start.line, column: Math.max(1, k.start.column - 1), byte: Math.max(0, k.start.byte - 1) }, end: e.range.end };
}

/** hcl's Expression.StartRange: the part of an expression that identifies it when it is underlined alone. */
export function startRange(e: Expression): HclRange {
  switch (e.kind) {
    case "binary":
      return startRange(e.left);
    case "conditional":
      return startRange(e.condition);
    case "relative-traversal":
    case "splat":
      return startRange(e.source);
    case "index":
      return startRange(e.collection);
    case "call":
      return callStartRange(e);
    case "tuple":
    case "object":
    case "for":
    case "unary":
    case "parens":
      return firstChar(e.range);
    default:
      return e.range;
  }
}
