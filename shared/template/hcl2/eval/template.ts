/**
 * Template strings (hclsyntax TemplateExpr, TemplateWrapExpr, TemplateJoinExpr): literal text,
 * `${}` interpolations converted to strings, `%{if}` and `%{for}` directives. A template that is
 * only one `${expr}` yields expr's value unconverted, as HCL does.
 */
import type { Expression, HclDiagnostic, HclRange, TemplatePart, Value } from "../contract.js";
import { ConversionError, boolType, convert, elementsOf, canIterateElements, stringType, stringVal, typeOf, typeString, unknownVal } from "../value/index.js";
import { childContext, hasErrors, type EvaluateIn, type Evaluated, type Scope } from "./scope.js";

type TemplateExpr = Extract<Expression, { kind: "template" }>;

export function evaluateTemplate(e: TemplateExpr, scope: Scope, evaluateIn: EvaluateIn): Evaluated {
  if (e.parts.length === 1 && e.parts[0].kind === "interpolation") return evaluateIn(e.parts[0].expr, scope);
  return joinParts(e.parts, e.range, scope, evaluateIn);
}

/** Evaluates parts into one string (unknown if any part is), reporting parts that cannot be strings. */
function joinParts(parts: TemplatePart[], range: HclRange, scope: Scope, evaluateIn: EvaluateIn): Evaluated {
  const diagnostics: HclDiagnostic[] = [];
  let out = "";
  let known = true;
  for (const part of parts) {
    let value: Value;
    let subject: HclRange;
    switch (part.kind) {
      case "literal":
        out += part.text;
        continue;
      case "interpolation": {
        const r = evaluateIn(part.expr, scope);
        diagnostics.push(...r.diagnostics);
        value = r.value;
        subject = part.expr.range;
        break;
      }
      case "if": {
        const r = evaluateIf(part, scope, evaluateIn);
        diagnostics.push(...r.diagnostics);
        value = r.value;
        subject = part.range;
        break;
      }
      case "for": {
        const r = evaluateTemplateFor(part, scope, evaluateIn);
        diagnostics.push(...r.diagnostics);
        value = r.value;
        subject = part.range;
        break;
      }
    }
    if (value.kind === "null") {
      diagnostics.push({
        severity: "error",
        summary: "Invalid template interpolation value",
        detail: "The expression result is null. Cannot include a null value in a string template.",
        subject,
        context: range,
      });
      continue;
    }
    if (value.kind === "unknown") {
      known = false;
      continue;
    }
    try {
      const s = convert(value, stringType);
      if (s.kind === "string") out += s.value;
      else known = false;
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      diagnostics.push({
        severity: "error",
        summary: "Invalid template interpolation value",
        detail: `Cannot include the given value in a string template: ${err.message}.`,
        subject,
        context: range,
      });
    }
  }
  return { value: known ? stringVal(out) : unknownVal(stringType), diagnostics };
}

/** `%{if c}a%{else}b%{endif}`: a conditional whose branches are templates (so always strings). */
function evaluateIf(part: Extract<TemplatePart, { kind: "if" }>, scope: Scope, evaluateIn: EvaluateIn): Evaluated {
  const thenResult = joinParts(part.then, part.range, scope, evaluateIn);
  const elseResult = joinParts(part.else ?? [], part.range, scope, evaluateIn);
  const cond = evaluateIn(part.condition, scope);
  const diagnostics: HclDiagnostic[] = [...cond.diagnostics];
  const error = (summary: string, detail: string): Evaluated => {
    diagnostics.push({ severity: "error", summary, detail, subject: part.condition.range, context: part.range });
    return { value: unknownVal(stringType), diagnostics };
  };
  if (cond.value.kind === "null") return error("Null condition", "The condition value is null. Conditions must either be true or false.");
  if (cond.value.kind === "unknown") return { value: unknownVal(stringType), diagnostics };
  let b: Value;
  try {
    b = convert(cond.value, boolType);
  } catch (err) {
    if (!(err instanceof ConversionError)) throw err;
    return error("Incorrect condition type", "The condition expression must be of type bool.");
  }
  const taken = b.kind === "bool" && b.value ? thenResult : elseResult;
  return { value: taken.value, diagnostics: [...diagnostics, ...taken.diagnostics] };
}

/** `%{for k, v in coll}body%{endfor}`: the body once per element, joined. */
function evaluateTemplateFor(part: Extract<TemplatePart, { kind: "for" }>, scope: Scope, evaluateIn: EvaluateIn): Evaluated {
  const coll = evaluateIn(part.collection, scope);
  const diagnostics: HclDiagnostic[] = [...coll.diagnostics];
  const error = (summary: string, detail: string): Evaluated => {
    diagnostics.push({ severity: "error", summary, detail, subject: part.collection.range, context: part.range });
    return { value: unknownVal(stringType), diagnostics };
  };
  const v = coll.value;
  if (v.kind === "null") return error("Iteration over null value", "A null value cannot be used as the collection in a 'for' expression.");
  const t = typeOf(v);
  if (t.kind === "dynamic") return { value: unknownVal(stringType), diagnostics };
  if (!canIterateElements(t)) {
    return error("Iteration over non-iterable value", `A value of type ${typeString(t)} cannot be used as the collection in a 'for' expression.`);
  }
  if (v.kind === "unknown") return { value: unknownVal(stringType), diagnostics };
  let out = "";
  let known = true;
  for (const [k, item] of elementsOf(v)) {
    const vars = new Map<string, Value>();
    if (part.keyVar) vars.set(part.keyVar, k);
    vars.set(part.valueVar, item);
    const r = joinParts(part.body, part.range, { ...scope, ctx: childContext(scope.ctx, vars) }, evaluateIn);
    diagnostics.push(...r.diagnostics);
    if (r.value.kind === "string") out += r.value.value;
    else known = false;
  }
  if (hasErrors(diagnostics) || !known) return { value: unknownVal(stringType), diagnostics };
  return { value: stringVal(out), diagnostics };
}
