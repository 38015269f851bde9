/**
 * Splat expressions (hclsyntax SplatExpr): `list[*].attr` / `list.*.attr` apply `each` to every
 * element. A single non-sequence value is treated as a one-element tuple, and a null one as an
 * empty tuple, which is what makes `var.maybe[*]` handy for optional values.
 */
import type { Expression, HclDiagnostic, HclType, Value } from "../contract.js";
import { convert, unify, dynamicType, emptyTupleVal, listType, listVal, tupleType, tupleVal, typeOf, unknownVal } from "../value/index.js";
import { rangeBetween } from "./ranges.js";
import { hasErrors, type EvaluateIn, type Evaluated, type Scope } from "./scope.js";

type SplatExpr = Extract<Expression, { kind: "splat" }>;

export function evaluateSplat(e: SplatExpr, scope: Scope, evaluateIn: EvaluateIn): Evaluated {
  const source = evaluateIn(e.source, scope);
  const diagnostics: HclDiagnostic[] = [...source.diagnostics];
  if (hasErrors(diagnostics)) {
    diagnostics.push(...evaluateIn(e.each, { ...scope, splatItem: unknownVal() }).diagnostics);
    return { value: unknownVal(), diagnostics };
  }
  let sourceVal = source.value;
  let sourceTy = typeOf(sourceVal);
  if (sourceTy.kind === "dynamic") return { value: unknownVal(), diagnostics };
  const autoUpgrade = !(sourceTy.kind === "tuple" || sourceTy.kind === "list" || sourceTy.kind === "set");
  if (sourceVal.kind === "null") {
    if (autoUpgrade) return { value: emptyTupleVal, diagnostics };
    diagnostics.push({
      severity: "error",
      summary: "Splat of null value",
      detail: "Splat expressions (with the * symbol) cannot be applied to null sequences.",
      subject: e.source.range,
      context: rangeBetween(e.source.range, e.range),
    });
    return { value: unknownVal(), diagnostics };
  }
  if (autoUpgrade) {
    sourceVal = tupleVal([sourceVal]);
    sourceTy = typeOf(sourceVal);
  }

  /** The result's type, found by evaluating `each` on unknown items of the source's element types. */
  const resultType = (): { type: HclType; diagnostics: HclDiagnostic[] } => {
    const diags: HclDiagnostic[] = [];
    const eachType = (ety: HclType) => {
      const r = evaluateIn(e.each, { ...scope, splatItem: unknownVal(ety) });
      diags.push(...r.diagnostics);
      return typeOf(r.value);
    };
    if (sourceTy.kind === "list" || sourceTy.kind === "set") return { type: listType(eachType(sourceTy.element)), diagnostics: diags };
    if (sourceTy.kind === "tuple") return { type: tupleType(sourceTy.elements.map(eachType)), diagnostics: diags };
    return { type: dynamicType, diagnostics: diags };
  };

  if (sourceVal.kind === "unknown") {
    const rt = resultType();
    return { value: unknownVal(rt.type), diagnostics: [...diagnostics, ...rt.diagnostics] };
  }

  const items = (sourceVal as { items: Value[] }).items;
  const vals: Value[] = [];
  let known = true;
  for (const item of items) {
    const r = evaluateIn(e.each, { ...scope, splatItem: item });
    diagnostics.push(...r.diagnostics);
    if (hasErrors(r.diagnostics)) known = false;
    vals.push(r.value);
  }
  if (!known) return { value: unknownVal(resultType().type), diagnostics };
  if (sourceTy.kind === "list" || sourceTy.kind === "set") {
    if (vals.length === 0) {
      const rt = resultType();
      return { value: listVal([], (rt.type as { element: HclType }).element), diagnostics: [...diagnostics, ...rt.diagnostics] };
    }
    return { value: sequenceOf(vals), diagnostics };
  }
  return { value: tupleVal(vals), diagnostics };
}

/** A list when the results share a type (unified if need be), else a tuple rather than a broken list. */
function sequenceOf(vals: Value[]): Value {
  const unified = unify(vals.map(typeOf));
  if (!unified) return tupleVal(vals);
  try {
    return listVal(
      vals.map((v) => convert(v, unified)),
      unified,
    );
  } catch {
    return tupleVal(vals);
  }
}
