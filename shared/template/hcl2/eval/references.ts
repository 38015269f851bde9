/**
 * The variables an expression refers to (hcl's Variables()), reduced to what the Packer layer
 * orders by: the root name and its first attribute (`local.x`, `var.y`, `path.root`). Names
 * bound by `for` expressions inside the expression are not references.
 */
import type { Expression, HclRange, TemplatePart } from "../contract.js";

export interface VariableReference {
  /** `local`, `var`, `source`, `path` … */
  root: string;
  /** The first attribute (or string index: `local["x"]`), when there is one. */
  attr?: string;
  /** Where the reference is written (the whole traversal). */
  range: HclRange;
}

export function variablesReferenced(expr: Expression): VariableReference[] {
  return scopeTraversals(expr).map((e) => {
    const first = e.steps[0];
    let attr: string | undefined;
    if (first?.kind === "attr") attr = first.name;
    else if (first?.kind === "index" && first.key.kind === "string") attr = first.key.value;
    return { root: e.root, ...(attr !== undefined ? { attr } : {}), range: e.range };
  });
}

type ScopeTraversal = Extract<Expression, { kind: "scope-traversal" }>;

/** Every reference to a variable outside the expression (hcl's Expression.Variables()), whole. */
export function scopeTraversals(expr: Expression): ScopeTraversal[] {
  const out: ScopeTraversal[] = [];
  walk(expr, new Set(), out);
  return out;
}

/** `"local.x"` / `"var"`: a reference's name as Packer prints it in cycle errors. */
export function referenceName(ref: VariableReference): string {
  return ref.attr === undefined ? ref.root : `${ref.root}.${ref.attr}`;
}

function walk(e: Expression, bound: Set<string>, out: ScopeTraversal[]): void {
  switch (e.kind) {
    case "literal":
    case "splat-item":
      return;
    case "scope-traversal":
      if (!bound.has(e.root)) out.push(e);
      return;
    case "template":
      return walkParts(e.parts, bound, out);
    case "relative-traversal":
      return walk(e.source, bound, out);
    case "index":
      walk(e.collection, bound, out);
      return walk(e.key, bound, out);
    case "splat":
      walk(e.source, bound, out);
      return walk(e.each, bound, out);
    case "call":
      for (const a of e.args) walk(a, bound, out);
      return;
    case "tuple":
      for (const item of e.items) walk(item, bound, out);
      return;
    case "object":
      for (const item of e.items) {
        // A bare name key (`{ a = 1 }`) is a string, not a reference.
        const bareName = item.bareKey !== undefined || (item.key.kind === "scope-traversal" && item.key.steps.length === 0);
        if (!bareName) walk(item.key, bound, out);
        walk(item.value, bound, out);
      }
      return;
    case "unary":
      return walk(e.operand, bound, out);
    case "binary":
      walk(e.left, bound, out);
      return walk(e.right, bound, out);
    case "conditional":
      walk(e.condition, bound, out);
      walk(e.then, bound, out);
      return walk(e.else, bound, out);
    case "for": {
      walk(e.collection, bound, out);
      const inner = new Set(bound);
      if (e.keyVar) inner.add(e.keyVar);
      inner.add(e.valueVar);
      if (e.keyExpr) walk(e.keyExpr, inner, out);
      walk(e.valueExpr, inner, out);
      if (e.condition) walk(e.condition, inner, out);
      return;
    }
    case "parens":
      return walk(e.inner, bound, out);
  }
}

function walkParts(parts: TemplatePart[], bound: Set<string>, out: ScopeTraversal[]): void {
  for (const p of parts) {
    switch (p.kind) {
      case "literal":
        break;
      case "interpolation":
        walk(p.expr, bound, out);
        break;
      case "if":
        walk(p.condition, bound, out);
        walkParts(p.then, bound, out);
        if (p.else) walkParts(p.else, bound, out);
        break;
      case "for": {
        walk(p.collection, bound, out);
        const inner = new Set(bound);
        if (p.keyVar) inner.add(p.keyVar);
        inner.add(p.valueVar);
        walkParts(p.body, inner, out);
        break;
      }
    }
  }
}
