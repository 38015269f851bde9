import type { Node } from "web-tree-sitter";
import type { Expression, HclDiagnostic, HclRange, TraversalStep, Value } from "../contract.js";
import type { SourcePositions } from "./source-positions.js";
import { rangeBetween } from "./source-positions.js";
import {
  buildTemplateParts,
  decodeHeredocLiteral,
  decodeQuotedLiteral,
  type TemplateToken,
} from "./native-template.js";

/** Raised when the tree has a shape the converter cannot read (only around syntax errors). */
export class MalformedSyntax extends Error {
  constructor(readonly node: Node) {
    super(`malformed ${node.type} at ${node.startIndex}`);
  }
}

/**
 * Converts tree-sitter-hcl's concrete tree to the contract's Expression nodes. Offsets in the
 * tree are UTF-16 indices into `text`; `delta` is subtracted before mapping to positions (used
 * when the parsed text is the user's text behind a fixed prefix).
 */
export class ExpressionConverter {
  constructor(
    readonly text: string,
    readonly positions: SourcePositions,
    readonly diagnostics: HclDiagnostic[],
    readonly delta = 0,
  ) {}

  /** Children without comments, cached by node id: each `children` read crosses into wasm. */
  private readonly kidsCache = new Map<number, Node[]>();
  kids(node: Node): Node[] {
    let k = this.kidsCache.get(node.id);
    if (!k) {
      k = significant(node);
      this.kidsCache.set(node.id, k);
    }
    return k;
  }

  range(start: number, end: number): HclRange {
    return this.positions.range(start - this.delta, end - this.delta);
  }

  nodeRange(n: Node): HclRange {
    return this.range(n.startIndex, n.endIndex);
  }

  /** An `expression` node. */
  expression(node: Node): Expression {
    if (node.type !== "expression") return this.term([node]);
    const kids = this.kids(node);
    if (kids.length === 1 && kids[0].type === "conditional") return this.conditional(kids[0]);
    return this.term(kids);
  }

  private conditional(node: Node): Expression {
    const kids = this.kids(node);
    const exprs = kids.filter((k) => k.type === "expression");
    if (exprs.length !== 3) throw new MalformedSyntax(node);
    return rightAssociate(this.expression(exprs[0]), this.expression(exprs[1]), this.expression(exprs[2]), this.nodeRange(node));
  }

  /** A flattened `_expr_term`: a primary followed by index/get_attr/splat nodes. */
  term(kids: Node[]): Expression {
    if (kids.length === 0) throw new MalformedSyntax(kids[0]);
    let i = 0;
    let expr: Expression;
    const first = kids[0];
    if (first.type === "(") {
      const inner = kids[1];
      const close = kids[2];
      if (!inner || inner.type !== "expression" || !close || close.type !== ")" || close.isMissing)
        throw new MalformedSyntax(first);
      expr = { kind: "parens", inner: this.expression(inner), range: this.range(first.startIndex, close.endIndex) };
      i = 3;
    } else {
      expr = this.primary(first);
      i = 1;
    }
    for (; i < kids.length; i++) expr = this.postfix(expr, kids[i]);
    return expr;
  }

  private primary(node: Node): Expression {
    switch (node.type) {
      case "literal_value":
        return this.literal(this.kids(node)[0] ?? node);
      case "template_expr":
        return this.template(this.kids(node)[0] ?? node);
      case "collection_value":
        return this.collection(this.kids(node)[0] ?? node);
      case "variable_expr":
        return { kind: "scope-traversal", root: node.text, steps: [], range: this.nodeRange(node) };
      case "function_call":
        return this.call(node);
      case "for_expr":
        return this.forExpr(this.kids(node)[0] ?? node);
      case "operation":
        return this.operation(this.kids(node)[0] ?? node);
      case "expression":
        return this.expression(node);
      default:
        throw new MalformedSyntax(node);
    }
  }

  private literal(node: Node): Expression {
    const range = this.nodeRange(node);
    switch (node.type) {
      case "numeric_lit":
        // Malformed numbers are reported by the recognizer, as hcl's lexer splits them.
        return { kind: "literal", value: { kind: "number", value: Number(this.text.slice(node.startIndex, node.endIndex)) }, range };
      case "bool_lit":
        return { kind: "literal", value: { kind: "bool", value: node.text === "true" }, range };
      case "null_lit":
        return { kind: "literal", value: { kind: "null", type: { kind: "dynamic" } }, range };
      case "string_lit":
        return this.template(node);
      default:
        throw new MalformedSyntax(node);
    }
  }

  private collection(node: Node): Expression {
    const range = this.nodeRange(node);
    const kids = this.kids(node);
    if (node.type === "tuple") {
      checkClosed(node, "tuple_end");
      return { kind: "tuple", items: kids.filter((k) => k.type === "expression").map((k) => this.expression(k)), range };
    }
    if (node.type === "object") {
      checkClosed(node, "object_end");
      const items: { key: Expression; value: Expression; bareKey?: string }[] = [];
      for (const elem of kids.filter((k) => k.type === "object_elem")) {
        const keyNode = elem.childForFieldName("key");
        const valNode = elem.childForFieldName("val");
        if (!keyNode || !valNode) throw new MalformedSyntax(elem);
        const key = this.expression(keyNode);
        const keyKids = this.kids(keyNode);
        const bare = keyKids.length === 1 && keyKids[0].type === "variable_expr" ? keyKids[0].text : undefined;
        items.push({ key, value: this.expression(valNode), ...(bare !== undefined ? { bareKey: bare } : {}) });
      }
      return { kind: "object", items, range };
    }
    throw new MalformedSyntax(node);
  }

  private call(node: Node): Expression {
    const kids = this.kids(node);
    const name = kids[0];
    const close = kids[kids.length - 1];
    if (!name || name.type !== "identifier" || close.type !== ")" || close.isMissing) throw new MalformedSyntax(node);
    const argsNode = kids.find((k) => k.type === "function_arguments");
    const argKids = argsNode ? this.kids(argsNode) : [];
    return {
      kind: "call",
      name: name.text,
      args: argKids.filter((k) => k.type === "expression").map((k) => this.expression(k)),
      expandFinal: argKids.some((k) => k.type === "ellipsis"),
      nameRange: this.nodeRange(name),
      range: this.nodeRange(node),
    };
  }

  private forExpr(node: Node): Expression {
    const kids = this.kids(node);
    const intro = kids.find((k) => k.type === "for_intro");
    if (!intro) throw new MalformedSyntax(node);
    const introKids = this.kids(intro);
    const names = introKids.filter((k) => k.type === "identifier").map((k) => k.text);
    const collNode = introKids.find((k) => k.type === "expression");
    if (!collNode || names.length === 0) throw new MalformedSyntax(intro);
    const exprs = kids.filter((k) => k.type === "expression");
    const cond = kids.find((k) => k.type === "for_cond");
    const condExpr = cond ? this.kids(cond).find((k) => k.type === "expression") : undefined;
    const base = {
      kind: "for" as const,
      ...(names.length === 2 ? { keyVar: names[0] } : {}),
      valueVar: names[names.length - 1],
      collection: this.expression(collNode),
      ...(condExpr ? { condition: this.expression(condExpr) } : {}),
      range: this.nodeRange(node),
    };
    if (node.type === "for_tuple_expr") {
      checkClosed(node, "tuple_end");
      if (exprs.length !== 1) throw new MalformedSyntax(node);
      return { ...base, valueExpr: this.expression(exprs[0]), group: false };
    }
    checkClosed(node, "object_end");
    if (exprs.length !== 2) throw new MalformedSyntax(node);
    return {
      ...base,
      keyExpr: this.expression(exprs[0]),
      valueExpr: this.expression(exprs[1]),
      group: kids.some((k) => k.type === "ellipsis"),
    };
  }

  private operation(node: Node): Expression {
    const kids = this.kids(node);
    const range = this.nodeRange(node);
    if (node.type === "unary_operation") {
      const op = kids[0].type;
      if (op !== "!" && op !== "-") throw new MalformedSyntax(node);
      return { kind: "unary", op, operand: this.term(kids.slice(1)), range };
    }
    if (node.type === "binary_operation") {
      const at = kids.findIndex((k, idx) => idx > 0 && !k.isNamed && BINARY_OPS.has(k.type));
      if (at < 0) throw new MalformedSyntax(node);
      return {
        kind: "binary",
        op: kids[at].type as BinaryOp,
        left: this.term(kids.slice(0, at)),
        right: this.term(kids.slice(at + 1)),
        range,
      };
    }
    throw new MalformedSyntax(node);
  }

  /** Applies one index/get_attr/splat node to `expr`, as hcl builds traversals. */
  private postfix(expr: Expression, node: Node): Expression {
    switch (node.type) {
      case "get_attr":
      case "index": {
        const step = this.step(node);
        if (step.kind === "expr") {
          return {
            kind: "index",
            collection: expr,
            key: step.key,
            range: rangeBetween(expr.range, this.nodeRange(node)),
          };
        }
        return appendStep(expr, step.step);
      }
      case "splat": {
        const splat = this.kids(node)[0];
        if (!splat) throw new MalformedSyntax(node);
        const full = splat.type === "full_splat";
        const opener = splat.child(0)!;
        const item: Expression = { kind: "splat-item", range: this.nodeRange(opener) };
        let each: Expression = item;
        let rest: Node[] = [];
        let end = opener.endIndex;
        const stepNodes = this.kids(splat).filter((k) => k.type === "get_attr" || k.type === "index");
        for (let s = 0; s < stepNodes.length; s++) {
          const sn = stepNodes[s];
          // An attribute-only splat (`.*`) takes only attribute and legacy-index steps; a `[…]`
          // ends it and applies to the splat's result, as in hcl.
          if (!full && sn.type === "index" && this.kids(sn)[0]?.type === "new_index") {
            rest = stepNodes.slice(s);
            break;
          }
          each = this.postfix(each, sn);
          end = sn.endIndex;
        }
        let result: Expression = {
          kind: "splat",
          source: expr,
          each,
          full,
          range: rangeBetween(expr.range, this.range(opener.startIndex, end)),
        };
        for (const r of rest) result = this.postfix(result, r);
        return result;
      }
      default:
        throw new MalformedSyntax(node);
    }
  }

  private step(node: Node): { kind: "step"; step: TraversalStep } | { kind: "expr"; key: Expression } {
    const range = this.nodeRange(node);
    if (node.type === "get_attr") {
      const name = this.kids(node).find((k) => k.type === "identifier");
      if (!name) throw new MalformedSyntax(node);
      return { kind: "step", step: { kind: "attr", name: name.text, range } };
    }
    const inner = this.kids(node)[0];
    if (inner?.type === "legacy_index") {
      const digits = inner.text.replace(/^\./, "").trim();
      return { kind: "step", step: { kind: "index", key: { kind: "number", value: Number(digits) }, range } };
    }
    if (inner?.type === "new_index") {
      const close = inner.child(inner.childCount - 1);
      if (!close || close.isMissing) throw new MalformedSyntax(inner);
      const keyNode = this.kids(inner).find((k) => k.type === "expression");
      if (!keyNode) throw new MalformedSyntax(inner);
      const key = this.expression(keyNode);
      const lit = literalKey(key);
      if (lit) return { kind: "step", step: { kind: "index", key: lit, range } };
      return { kind: "expr", key };
    }
    throw new MalformedSyntax(node);
  }

  // -------------------------------------------------------------------------------------------
  // Templates

  /** A quoted template, string literal or heredoc node. */
  template(node: Node): Expression {
    const range = this.nodeRange(node);
    if (node.type === "heredoc_template") return this.heredoc(node);
    const kids = this.kids(node);
    const open = kids[0];
    const close = kids[kids.length - 1];
    if (open?.type !== "quoted_template_start" || close?.type !== "quoted_template_end" || close.isMissing || kids.length < 2)
      throw new MalformedSyntax(node);
    const structural = this.structuralTokens(kids.slice(1, -1));
    // Escape errors are reported by the recognizer (native-recognizer.ts), which reads the same text.
    const tokens = this.withLiterals(structural, open.endIndex, close.startIndex, (raw, start) =>
      decodeQuotedLiteral(raw, start - this.delta, this.positions, []),
    false);
    return {
      kind: "template",
      parts: buildTemplateParts({ tokens, flush: false, positions: this.positions }),
      range,
    };
  }

  private heredoc(node: Node): Expression {
    const range = this.nodeRange(node);
    const kids = this.kids(node);
    const startNode = kids.find((k) => k.type === "heredoc_start");
    const ids = kids.filter((k) => k.type === "heredoc_identifier");
    if (!startNode || ids.length !== 2 || ids[1].isMissing) throw new MalformedSyntax(node);
    const flush = startNode.text === "<<-";
    // Content runs from the line after the opening marker to the start of the closing marker's line.
    const nl = this.text.indexOf("\n", ids[0].endIndex);
    const contentStart = nl < 0 ? ids[0].endIndex : nl + 1;
    const closeLineStart = this.text.lastIndexOf("\n", ids[1].startIndex - 1) + 1;
    const contentEnd = Math.max(contentStart, closeLineStart);
    const inner = kids.slice(kids.indexOf(ids[0]) + 1, kids.indexOf(ids[1]));
    const structural = this.structuralTokens(inner);
    const tokens = this.withLiterals(structural, contentStart, contentEnd, (raw) => decodeHeredocLiteral(raw), true);
    return {
      kind: "template",
      parts: buildTemplateParts({ tokens, flush, positions: this.positions }),
      range,
    };
  }

  /** Interpolations and directives in order (literal runs are taken from the source gaps between them). */
  private structuralTokens(nodes: Node[]): TemplateToken[] {
    const out: TemplateToken[] = [];
    const visit = (n: Node) => {
      switch (n.type) {
        case "template_literal":
        case "comment":
          return;
        case "template_interpolation": {
          const kids = this.kids(n);
          const exprNode = kids.find((k) => k.type === "expression");
          const close = kids[kids.length - 1];
          if (!exprNode || close.type !== "template_interpolation_end" || close.isMissing) throw new MalformedSyntax(n);
          const { stripLeft, stripRight } = stripFlags(n, exprNode);
          out.push({ kind: "interp", expr: this.expression(exprNode), stripLeft, stripRight, start: n.startIndex, end: n.endIndex });
          return;
        }
        case "template_directive":
        case "template_if":
        case "template_for":
          for (const k of this.kids(n)) visit(k);
          return;
        case "template_if_intro":
        case "template_for_start": {
          const exprNode = this.kids(n).find((k) => k.type === "expression");
          if (!exprNode) throw new MalformedSyntax(n);
          const { stripLeft, stripRight } = stripFlags(n, exprNode);
          if (n.type === "template_if_intro") {
            out.push({ kind: "if", condition: this.expression(exprNode), stripLeft, stripRight, start: n.startIndex, end: n.endIndex });
          } else {
            const names = this.kids(n).filter((k) => k.type === "identifier").map((k) => k.text);
            out.push({
              kind: "for",
              ...(names.length === 2 ? { keyVar: names[0] } : {}),
              valueVar: names[names.length - 1],
              collection: this.expression(exprNode),
              stripLeft,
              stripRight,
              start: n.startIndex,
              end: n.endIndex,
            });
          }
          return;
        }
        case "template_else_intro":
        case "template_if_end":
        case "template_for_end": {
          const kind = n.type === "template_else_intro" ? "else" : n.type === "template_if_end" ? "endif" : "endfor";
          const { stripLeft, stripRight } = stripFlags(n);
          out.push({ kind, stripLeft, stripRight, start: n.startIndex, end: n.endIndex });
          return;
        }
        default:
          throw new MalformedSyntax(n);
      }
    };
    for (const n of nodes) visit(n);
    return out;
  }

  /** Fills the gaps between structural tokens with literal tokens (one per line for heredocs). */
  private withLiterals(
    structural: TemplateToken[],
    from: number,
    to: number,
    decode: (raw: string, start: number) => string,
    perLine: boolean,
  ): TemplateToken[] {
    const out: TemplateToken[] = [];
    let at = from;
    const gap = (start: number, end: number) => {
      if (end <= start) return;
      if (!perLine) {
        out.push({ kind: "literal", text: decode(this.text.slice(start, end), start), start: start - this.delta, end: end - this.delta });
        return;
      }
      let s = start;
      while (s < end) {
        const nl = this.text.indexOf("\n", s);
        const e = nl < 0 || nl >= end ? end : nl + 1;
        out.push({ kind: "literal", text: decode(this.text.slice(s, e), s), start: s - this.delta, end: e - this.delta });
        s = e;
      }
    };
    for (const t of structural) {
      gap(at, t.start);
      out.push({ ...t, start: t.start - this.delta, end: t.end - this.delta });
      at = t.end;
    }
    gap(at, to);
    return out;
  }
}

type BinaryOp = Extract<Expression, { kind: "binary" }>["op"];
const BINARY_OPS = new Set<string>(["||", "&&", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"]);

/** Children that carry syntax (comments are extras tree-sitter may put anywhere). */
export function significant(node: Node): Node[] {
  return node.children.filter((k) => k.type !== "comment");
}

function checkClosed(node: Node, endType: string): void {
  const last = node.child(node.childCount - 1);
  if (!last || last.type !== endType || last.isMissing) throw new MalformedSyntax(node);
}

function stripFlags(node: Node, exprNode?: Node): { stripLeft: boolean; stripRight: boolean } {
  let stripLeft = false;
  let stripRight = false;
  const opener = node.child(0);
  for (const k of node.children) {
    if (k.type !== "strip_marker") continue;
    if (opener && k.startIndex === opener.endIndex && (!exprNode || k.startIndex < exprNode.startIndex)) stripLeft = true;
    else stripRight = true;
  }
  return { stripLeft, stripRight };
}

function literalKey(key: Expression): Value | undefined {
  if (key.kind === "literal" && (key.value.kind === "number" || key.value.kind === "string")) return key.value;
  if (key.kind === "template" && key.parts.length === 1 && key.parts[0].kind === "literal")
    return { kind: "string", value: key.parts[0].text };
  if (key.kind === "template" && key.parts.length === 0) return { kind: "string", value: "" };
  return undefined;
}

/**
 * tree-sitter-hcl groups `a ? b : c ? d : e` as `(a ? b : c) ? d : e`; hcl parses the false
 * branch as a whole expression, i.e. `a ? b : (c ? d : e)`. A conditional can only sit bare in
 * the condition slot through that grouping (parentheses would make it a "parens" node).
 */
function rightAssociate(condition: Expression, then: Expression, otherwise: Expression, range: HclRange): Expression {
  if (condition.kind !== "conditional") return { kind: "conditional", condition, then, else: otherwise, range };
  const inner = rightAssociate(condition.else, then, otherwise, rangeBetween(condition.else.range, otherwise.range));
  return { kind: "conditional", condition: condition.condition, then: condition.then, else: inner, range };
}

/** hcl's makeRelativeTraversal: traversals grow; anything else becomes a relative traversal. */
function appendStep(expr: Expression, step: TraversalStep): Expression {
  const range = rangeBetween(expr.range, step.range);
  if (expr.kind === "scope-traversal") return { ...expr, steps: [...expr.steps, step], range };
  if (expr.kind === "relative-traversal") return { ...expr, steps: [...expr.steps, step], range };
  return { kind: "relative-traversal", source: expr, steps: [step], range };
}
