import type { Node } from "web-tree-sitter";
import type { HclDiagnostic } from "../contract.js";
import type { SourcePositions } from "./source-positions.js";
import { rangeBetween } from "./source-positions.js";

/**
 * The fallback when tree-sitter finds a syntax error that hcl's recognizer (native-recognizer.ts)
 * does not: the first ERROR or MISSING node, described in hcl's words as well as it can be.
 */

const ARG_REQUIRED = "Argument or block definition required";
const ARG_REQUIRED_DETAIL = "An argument or block definition is required here.";
const INVALID_EXPR_DETAIL = "Expected the start of an expression, but found an invalid expression token.";

/** Spans tree-sitter read as strings, heredocs and comments: their characters are not tokens. */
const OPAQUE = new Set(["comment", "string_lit", "quoted_template", "heredoc_template"]);

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

