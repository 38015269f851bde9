import type { Node, Tree } from "web-tree-sitter";
import type { Expression, HclAttribute, HclDiagnostic, HclFile, HclPos, HclRange } from "../contract.js";
import { NativeBody, type NativeBlock } from "./native-body.js";
import { ExpressionConverter, MalformedSyntax, significant } from "./native-expressions.js";
import { recognizeHcl, recognizeHclExpression, recognizeHclTemplate } from "./native-recognizer.js";
import { rangeString } from "./range-string.js";
import { treeErrorDiagnostic } from "./native-syntax-errors.js";
import { SourcePositions, rangeBetween } from "./source-positions.js";
import { hclParser } from "./tree-sitter-hcl.js";
import { treeSitterInput } from "./native-tokens.js";

export { initHclParser } from "./tree-sitter-hcl.js";
export { rangeString };

/**
 * Parses HCL native syntax (`*.pkr.hcl`, `*.pkrvars.hcl`). Never throws for bad input: syntax
 * errors come back as diagnostics in hcl's words, and the body holds what could be read.
 * `initHclParser()` must have resolved first.
 */
export function parseHclFile(name: string, source: string): { file: HclFile; diagnostics: HclDiagnostic[] } {
  const positions = new SourcePositions(name, source);
  const diagnostics: HclDiagnostic[] = [];
  const tree = hclParser().parse(treeSitterInput(source));
  if (!tree) throw new Error(`tree-sitter returned no tree for ${name}`);
  try {
    const conv = new ExpressionConverter(source, positions, diagnostics);
    // hcl's own parser decides what is a syntax error (newlines included); tree-sitter's
    // recovery only speaks when the two grammars disagree.
    const { diagnostics: structural, outline } = recognizeHcl(source, positions);
    if (tree.rootNode.hasError && !structural.some((d) => d.severity === "error")) {
      const d = treeErrorDiagnostic(tree.rootNode, source, positions);
      if (d) structural.push(d);
    }
    const reader = new BodyReader(conv, structural.length > 0 || diagnostics.length > 0);
    const root = tree.rootNode;
    const bodyNode = root.children.find((k) => k.type === "body");
    const body = reader.body(bodyNode ? significant(bodyNode) : [], positions.range(0, source.length));
    body.outline = outline;
    diagnostics.push(...structural, ...reader.diagnostics);
    return { file: { name, source, body }, diagnostics: dedupe(diagnostics) };
  } finally {
    tree.delete();
  }
}

/**
 * Parses one expression (for `console`, `-var` values and type constraints), as hcl.ParseExpression.
 * `start` places the text in a larger file for ranges; defaults to line 1, column 1.
 */
export function parseHclExpression(
  name: string,
  source: string,
  start?: HclPos,
): { expr?: Expression; diagnostics: HclDiagnostic[] } {
  // tree-sitter-hcl parses bodies, so the expression is read as an attribute's value.
  const prefix = "_ = ";
  return withPrefix(name, source, prefix, start, (attr, conv) => conv.expression(attr), recognizeHclExpression);
}

/**
 * Parses a string's content as a template (hcl.ParseTemplate): what HCL's JSON syntax does with
 * every string value. No backslash escapes (the JSON decoder already handled them).
 */
export function parseHclTemplate(
  name: string,
  source: string,
  start?: HclPos,
): { expr?: Expression; diagnostics: HclDiagnostic[] } {
  let marker = "KILN_TEMPLATE_END";
  while (source.includes(marker)) marker += "_";
  const prefix = `_ = <<${marker}\n`;
  const wrapped = `${source}\n${marker}\n`;
  return withPrefix(name, wrapped, prefix, start, (exprNode, conv) => {
    const expr = conv.expression(exprNode);
    if (expr.kind !== "template") return expr;
    // Drop the newline the wrapper added before the closing marker.
    const parts = expr.parts;
    const last = parts[parts.length - 1];
    if (last?.kind === "literal" && last.text.endsWith("\n")) {
      last.text = last.text.slice(0, -1);
      last.range = { ...last.range, end: advance(last.range.end, -1) };
      if (last.text === "") parts.pop();
    }
    return { ...expr, range: rangeOf(name, source, start) };
  }, (_text, positions) => recognizeHclTemplate(source, positions), source.length);
}

function advance(p: HclPos, chars: number): HclPos {
  return { line: p.line, column: p.column + chars, byte: p.byte + chars };
}

function rangeOf(name: string, source: string, start?: HclPos): HclRange {
  const positions = new SourcePositions(name, source);
  const r = positions.range(0, source.length);
  return start ? shiftRange(r, start) : r;
}

function withPrefix(
  name: string,
  source: string,
  prefix: string,
  start: HclPos | undefined,
  read: (exprNode: Node, conv: ExpressionConverter) => Expression,
  recognize: (text: string, positions: SourcePositions) => HclDiagnostic[],
  userLength = source.length,
): { expr?: Expression; diagnostics: HclDiagnostic[] } {
  const text = prefix + source;
  const positions = new SourcePositions(name, source);
  // As for files: hcl's own parser logic decides the diagnostics.
  const diagnostics: HclDiagnostic[] = recognize(source, positions);
  const tree: Tree | null = hclParser().parse(treeSitterInput(text));
  if (!tree) throw new Error(`tree-sitter returned no tree for ${name}`);
  try {
    const conv = new ExpressionConverter(text, positions, diagnostics, prefix.length);
    const body = tree.rootNode.children.find((k) => k.type === "body");
    const attrs = body ? significant(body) : [];
    const exprNode = attrs.length === 1 && attrs[0].type === "attribute" ? attrs[0].children.find((k) => k.type === "expression") : undefined;
    let expr: Expression | undefined;
    if (!tree.rootNode.hasError && exprNode && !diagnostics.some((d) => d.severity === "error")) {
      try {
        expr = read(exprNode, conv);
      } catch (e) {
        if (!(e instanceof MalformedSyntax)) throw e;
      }
    }
    if (!expr && diagnostics.length === 0) {
      const first = firstProblem(tree.rootNode, prefix.length);
      const at = Math.min(Math.max(0, first - prefix.length), userLength);
      diagnostics.push({
        severity: "error",
        summary: "Invalid expression",
        detail: "Expected the start of an expression, but found an invalid expression token.",
        subject: positions.range(at, Math.min(at + 1, userLength)),
      });
    }
    const shift = (r: HclRange) => (start ? shiftRange(r, start) : r);
    return {
      ...(expr ? { expr: start ? shiftExpression(expr, shift) : expr } : {}),
      diagnostics: diagnostics.map((d) => ({
        ...d,
        ...(d.subject ? { subject: shift(d.subject) } : {}),
        ...(d.context ? { context: shift(d.context) } : {}),
      })),
    };
  } finally {
    tree.delete();
  }
}

function firstProblem(root: Node, min: number): number {
  let best = Number.MAX_SAFE_INTEGER;
  const walk = (n: Node) => {
    if (!n.hasError && !n.isMissing) return;
    if ((n.isError || n.isMissing) && n.startIndex >= min) best = Math.min(best, n.startIndex);
    for (const k of n.children) walk(k);
  };
  walk(root);
  return best === Number.MAX_SAFE_INTEGER ? min : best;
}

function shiftRange(r: HclRange, start: HclPos): HclRange {
  const sh = (p: HclPos): HclPos => ({
    line: p.line + start.line - 1,
    column: p.line === 1 ? p.column + start.column - 1 : p.column,
    byte: p.byte + start.byte,
  });
  return { file: r.file, start: sh(r.start), end: sh(r.end) };
}

/** Rewrites every range inside an expression (used to place a parsed fragment in its file). */
export function shiftExpression(expr: Expression, shift: (r: HclRange) => HclRange): Expression {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      if ("file" in v && "start" in v && "end" in v) return shift(v as HclRange);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(expr) as Expression;
}

/** Reads `body` nodes into NativeBody values (conversion errors are diagnostics). */
class BodyReader {
  readonly diagnostics: HclDiagnostic[] = [];

  constructor(
    private readonly conv: ExpressionConverter,
    /** A syntax error was already reported: later conversion failures are its echoes. */
    private readonly quiet: boolean,
  ) {}

  body(items: Node[], range: HclRange): NativeBody {
    const attributes = new Map<string, HclAttribute>();
    const blocks: NativeBlock[] = [];
    for (const item of items) {
      if (item.type === "attribute") {
        const attr = this.attribute(item);
        if (!attr) continue;
        // A redefinition is reported by the recognizer ("Attribute redefined"); the first one counts.
        if (!attributes.has(attr.name)) attributes.set(attr.name, attr);
      } else if (item.type === "block") {
        try {
          const block = this.block(item);
          if (block) blocks.push(block);
        } catch (e) {
          // Only around syntax errors, which the recognizer has reported.
          if (!(e instanceof MalformedSyntax)) throw e;
        }
      }
    }
    return new NativeBody(attributes, blocks, range);
  }

  private attribute(node: Node): HclAttribute | undefined {
    const kids = this.conv.kids(node);
    const name = kids[0];
    const exprNode = kids.find((k) => k.type === "expression");
    if (!name || name.type !== "identifier" || !exprNode) return undefined;
    let expr: Expression;
    try {
      expr = this.conv.expression(exprNode);
    } catch (e) {
      if (!(e instanceof MalformedSyntax)) throw e;
      if (!this.quiet) {
        this.diagnostics.push({
          severity: "error",
          summary: "Invalid expression",
          detail: "Expected the start of an expression, but found an invalid expression token.",
          subject: this.conv.nodeRange(e.node),
        });
      }
      return undefined;
    }
    const nameRange = this.conv.nodeRange(name);
    return { name: name.text, expr, nameRange, range: rangeBetween(nameRange, expr.range) };
  }

  private block(node: Node): NativeBlock | undefined {
    const kids = this.conv.kids(node);
    const type = kids[0];
    const open = kids.find((k) => k.type === "block_start");
    const close = kids.find((k) => k.type === "block_end");
    if (!type || !open || !close) return undefined;
    const labels: string[] = [];
    const labelRanges: HclRange[] = [];
    for (const k of kids.slice(1, kids.indexOf(open))) {
      if (k.type === "identifier") labels.push(k.text);
      else if (k.type === "string_lit") {
        const t = this.conv.template(k);
        labels.push(t.kind === "template" ? t.parts.map((p) => (p.kind === "literal" ? p.text : "")).join("") : "");
      } else continue;
      labelRanges.push(this.conv.nodeRange(k));
    }
    const bodyNode = kids.find((k) => k.type === "body");
    const bodyRange = this.conv.range(open.startIndex, close.isMissing ? close.startIndex : close.endIndex);
    const body = this.body(bodyNode ? this.conv.kids(bodyNode) : [], bodyRange);
    return {
      type: type.text,
      labels,
      body,
      typeRange: this.conv.nodeRange(type),
      labelRanges,
      openBraceRange: this.conv.nodeRange(open),
      range: this.conv.range(type.startIndex, close.endIndex),
    };
  }
}

function dedupe(diags: HclDiagnostic[]): HclDiagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const k = `${d.summary}|${d.subject?.start.byte}|${d.subject?.end.byte}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
