/**
 * `for` expressions (hclsyntax ForExpr): `[for k, v in coll : v if cond]` makes a tuple,
 * `{for k, v in coll : key => v...}` an object (grouped into tuples with `...`). Iteration follows
 * cty's order: sequences by index, maps and objects by sorted key, sets in set order.
 */
import type { Expression, HclDiagnostic, Value } from "../contract.js";
import { ConversionError, boolType, canIterateElements, convert, elementsOf, objectVal, stringType, tupleVal, typeOf, typeString, unknownVal } from "../value/index.js";
import { childContext, hasErrors, type EvaluateIn, type Evaluated, type Scope } from "./scope.js";

type ForExpr = Extract<Expression, { kind: "for" }>;

export function evaluateFor(e: ForExpr, scope: Scope, evaluateIn: EvaluateIn): Evaluated {
  const diagnostics: HclDiagnostic[] = [];
  const dynamic = (): Evaluated => ({ value: unknownVal(), diagnostics });
  const error = (summary: string, detail: string, subject: Expression) =>
    diagnostics.push({ severity: "error", summary, detail, subject: subject.range, context: e.range });

  const coll = evaluateIn(e.collection, scope);
  diagnostics.push(...coll.diagnostics);
  const collVal = coll.value;
  if (collVal.kind === "null") {
    error("Iteration over null value", "A null value cannot be used as the collection in a 'for' expression.", e.collection);
    return dynamic();
  }
  const collType = typeOf(collVal);
  if (collType.kind === "dynamic") return dynamic();
  if (!canIterateElements(collType)) {
    error("Iteration over non-iterable value", `A value of type ${typeString(collType)} cannot be used as the collection in a 'for' expression.`, e.collection);
    return dynamic();
  }
  if (collVal.kind === "unknown") return dynamic();

  const scopeFor = (k: Value, v: Value): Scope => {
    const vars = new Map<string, Value>();
    if (e.keyVar) vars.set(e.keyVar, k);
    vars.set(e.valueVar, v);
    return { ctx: childContext(scope.ctx, vars), ...(scope.splatItem ? { splatItem: scope.splatItem } : {}) };
  };

  // hcl checks the condition once with unknown symbols, to report type errors even for empty collections.
  if (e.condition) {
    const r = evaluateIn(e.condition, scopeFor(unknownVal(), unknownVal()));
    diagnostics.push(...r.diagnostics);
    if (r.value.kind === "null") {
      error("Condition is null", "The value of the 'if' clause must not be null.", e.condition);
      return dynamic();
    }
    try {
      convert(r.value, boolType);
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      error("Invalid 'for' condition", `The 'if' clause value is invalid: ${err.message}.`, e.condition);
      return dynamic();
    }
    if (hasErrors(r.diagnostics)) return dynamic();
  }

  let known = true;
  /** Whether the item passes the `if` clause; undefined when it cannot be known or is invalid. */
  const include = (itemScope: Scope): boolean | undefined => {
    if (!e.condition) return true;
    const r = evaluateIn(e.condition, itemScope);
    diagnostics.push(...r.diagnostics);
    if (r.value.kind === "null") {
      if (known) error("Invalid 'for' condition", "The value of the 'if' clause must not be null.", e.condition);
      return undefined;
    }
    if (r.value.kind === "unknown") return undefined;
    try {
      const b = convert(r.value, boolType);
      return b.kind === "bool" ? b.value : undefined;
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      if (known) error("Invalid 'for' condition", `The 'if' clause value is invalid: ${err.message}.`, e.condition);
      return undefined;
    }
  };

  if (!e.keyExpr) {
    const items: Value[] = [];
    for (const [k, v] of elementsOf(collVal)) {
      const itemScope = scopeFor(k, v);
      const inc = include(itemScope);
      if (inc === undefined) {
        known = false;
        continue;
      }
      if (!inc) continue;
      const r = evaluateIn(e.valueExpr, itemScope);
      diagnostics.push(...r.diagnostics);
      items.push(r.value);
    }
    return known ? { value: tupleVal(items), diagnostics } : dynamic();
  }

  const vals = new Map<string, Value>();
  const groups = new Map<string, Value[]>();
  for (const [k, v] of elementsOf(collVal)) {
    const itemScope = scopeFor(k, v);
    const inc = include(itemScope);
    if (inc === undefined) {
      known = false;
      continue;
    }
    if (!inc) continue;
    const keyResult = evaluateIn(e.keyExpr, itemScope);
    diagnostics.push(...keyResult.diagnostics);
    if (keyResult.value.kind === "null") {
      if (known) error("Invalid object key", "Key expression in 'for' expression must not produce a null value.", e.keyExpr);
      known = false;
      continue;
    }
    if (keyResult.value.kind === "unknown") {
      known = false;
      continue;
    }
    let key: string;
    try {
      const s = convert(keyResult.value, stringType);
      if (s.kind !== "string") {
        known = false;
        continue;
      }
      key = s.value;
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      if (known) error("Invalid object key", `The key expression produced an invalid result: ${err.message}.`, e.keyExpr);
      known = false;
      continue;
    }
    const r = evaluateIn(e.valueExpr, itemScope);
    diagnostics.push(...r.diagnostics);
    if (e.group) {
      const g = groups.get(key);
      if (g) g.push(r.value);
      else groups.set(key, [r.value]);
    } else if (vals.has(key)) {
      error(
        "Duplicate object key",
        `Two different items produced the key "${key}" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.`,
        e.keyExpr,
      );
    } else {
      vals.set(key, r.value);
    }
  }
  if (!known) return dynamic();
  if (e.group) for (const [k, g] of groups) vals.set(k, tupleVal(g));
  return { value: objectVal(vals), diagnostics };
}
