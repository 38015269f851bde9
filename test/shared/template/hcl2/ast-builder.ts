/**
 * A test-only builder of contract ASTs, for value/ and eval/ tests that must not depend on the
 * parser. Every node gets its own range (line = a running counter) so a test can check that a
 * diagnostic's subject is exactly the node at fault.
 */
import type { Expression, HclRange, TemplatePart, TraversalStep, Value } from "../../../../shared/template/hcl2/contract.js";
import { numberVal, stringVal, boolVal, nullVal } from "../../../../shared/template/hcl2/value/index.js";

let line = 0;

export function nextRange(): HclRange {
  line++;
  return { file: "test.pkr.hcl", start: { line, column: 1, byte: line * 100 }, end: { line, column: 10, byte: line * 100 + 9 } };
}

export const lit = (v: Value): Expression => ({ kind: "literal", value: v, range: nextRange() });
export const str = (s: string): Expression => ({ kind: "template", parts: [{ kind: "literal", text: s, range: nextRange() }], range: nextRange() });
export const num = (n: number): Expression => lit(numberVal(n));
export const bool = (b: boolean): Expression => lit(boolVal(b));
export const nul = (): Expression => lit(nullVal());

/** `root.a.b` or `root[0]`: steps are attribute names (strings) or index keys (numbers, or `{ key }` for string keys). */
export function ref(root: string, ...steps: (string | number | { key: string })[]): Extract<Expression, { kind: "scope-traversal" }> {
  return { kind: "scope-traversal", root, steps: steps.map(step), range: nextRange() };
}

function step(s: string | number | { key: string }): TraversalStep {
  if (typeof s === "string") return { kind: "attr", name: s, range: nextRange() };
  if (typeof s === "number") return { kind: "index", key: numberVal(s), range: nextRange() };
  return { kind: "index", key: stringVal(s.key), range: nextRange() };
}

export function rel(source: Expression, ...steps: (string | number | { key: string })[]): Expression {
  return { kind: "relative-traversal", source, steps: steps.map(step), range: nextRange() };
}

export const index = (collection: Expression, key: Expression): Expression => ({ kind: "index", collection, key, range: nextRange() });
export const splatItem = (): Expression => ({ kind: "splat-item", range: nextRange() });
export const splat = (source: Expression, each: Expression = splatItem(), full = true): Expression => ({ kind: "splat", source, each, full, range: nextRange() });
export const call = (name: string, args: Expression[], expandFinal = false): Expression => ({ kind: "call", name, args, expandFinal, nameRange: nextRange(), range: nextRange() });
export const tuple = (...items: Expression[]): Expression => ({ kind: "tuple", items, range: nextRange() });
/** `{ a = 1 }`: string keys are bare identifiers, Expression keys are evaluated. */
export function obj(...items: [string | Expression, Expression][]): Expression {
  return {
    kind: "object",
    items: items.map(([k, value]) =>
      typeof k === "string" ? { key: ref(k), value, bareKey: k } : { key: k, value },
    ),
    range: nextRange(),
  };
}
export const not = (operand: Expression): Expression => ({ kind: "unary", op: "!", operand, range: nextRange() });
export const neg = (operand: Expression): Expression => ({ kind: "unary", op: "-", operand, range: nextRange() });
export const bin = (left: Expression, op: Extract<Expression, { kind: "binary" }>["op"], right: Expression): Expression => ({ kind: "binary", op, left, right, range: nextRange() });
export const cond = (condition: Expression, then: Expression, otherwise: Expression): Expression => ({ kind: "conditional", condition, then, else: otherwise, range: nextRange() });
export const parens = (inner: Expression): Expression => ({ kind: "parens", inner, range: nextRange() });

export function forTuple(valueVar: string, collection: Expression, valueExpr: Expression, opts: { keyVar?: string; condition?: Expression } = {}): Expression {
  return { kind: "for", valueVar, collection, valueExpr, group: false, range: nextRange(), ...opts };
}
export function forObject(
  valueVar: string,
  collection: Expression,
  keyExpr: Expression,
  valueExpr: Expression,
  opts: { keyVar?: string; condition?: Expression; group?: boolean } = {},
): Expression {
  return { kind: "for", valueVar, collection, keyExpr, valueExpr, range: nextRange(), ...opts, group: opts.group ?? false };
}

// Templates
export const tLit = (text: string): TemplatePart => ({ kind: "literal", text, range: nextRange() });
export const tInterp = (expr: Expression): TemplatePart => ({ kind: "interpolation", expr, range: nextRange() });
export const tIf = (condition: Expression, then: TemplatePart[], otherwise?: TemplatePart[]): TemplatePart => ({
  kind: "if",
  condition,
  then,
  ...(otherwise ? { else: otherwise } : {}),
  range: nextRange(),
});
export const tFor = (valueVar: string, collection: Expression, body: TemplatePart[], keyVar?: string): TemplatePart => ({
  kind: "for",
  valueVar,
  collection,
  body,
  ...(keyVar ? { keyVar } : {}),
  range: nextRange(),
});
export const template = (...parts: TemplatePart[]): Expression => ({ kind: "template", parts, range: nextRange() });
