/**
 * Function calls (hclsyntax FunctionCallExpr): lookup with suggestions, `...` expansion of the
 * final argument, argument counts, conversion of each argument to its parameter's type, null
 * and unknown handling as cty's function.Call does it, and the function's own errors.
 */
import type { Expression, HclDiagnostic, HclFunction, HclType, Value } from "../contract.js";
import { HclFunctionError } from "../contract.js";
import { ConversionError, convert, dynamicType, typeOf, unknownVal } from "../value/index.js";
import { callStartRange, lastChar, startRange } from "./ranges.js";
import { didYouMean, functionNames, hasErrors, lookupFunction, type EvaluateIn, type Evaluated, type Scope } from "./scope.js";

type CallExpr = Extract<Expression, { kind: "call" }>;

export function evaluateCall(e: CallExpr, scope: Scope, evaluateIn: EvaluateIn): Evaluated {
  const diagnostics: HclDiagnostic[] = [];
  const dynamic = (): Evaluated => ({ value: unknownVal(), diagnostics });
  const error = (summary: string, detail: string, subject = e.range, context: typeof e.range | undefined = e.range) => {
    diagnostics.push({ severity: "error", summary, detail, subject, ...(context ? { context } : {}) });
  };

  if (!scope.ctx) {
    error("Function calls not allowed", "Functions may not be called here.", e.range, undefined);
    return dynamic();
  }
  const f = lookupFunction(scope.ctx, e.name);
  if (!f) {
    error("Call to unknown function", `There is no function named "${e.name}".${didYouMean(e.name, functionNames(scope.ctx))}`, e.nameRange);
    return dynamic();
  }

  // Arguments as (expression, value-if-already-known): expansion turns one expression into many values.
  let args: { expr: Expression; value?: Value }[] = e.args.map((expr) => ({ expr }));
  if (e.expandFinal && e.args.length > 0) {
    const expandExpr = e.args[e.args.length - 1];
    const expanded = evaluateIn(expandExpr, scope);
    diagnostics.push(...expanded.diagnostics);
    if (hasErrors(expanded.diagnostics)) return dynamic();
    const v = expanded.value;
    const t = typeOf(v);
    if (t.kind === "dynamic" || t.kind === "tuple" || t.kind === "list" || t.kind === "set") {
      if (v.kind === "null") {
        error("Invalid expanding argument value", "The expanding argument (indicated by ...) must not be null.", expandExpr.range);
        return dynamic();
      }
      if (v.kind === "unknown") return dynamic();
      args = [...args.slice(0, -1), ...(v as { items: Value[] }).items.map((value) => ({ expr: expandExpr, value }))];
    } else {
      error("Invalid expanding argument value", "The expanding argument (indicated by ...) must be of a tuple, list, or set type.", expandExpr.range);
      return dynamic();
    }
  }

  const params = f.params;
  if (args.length < params.length) {
    const qual = f.variadic ? " at least" : "";
    error(
      "Not enough function arguments",
      `Function "${e.name}" expects${qual} ${params.length} argument(s). Missing value for "${params[args.length].name}".`,
      lastChar(e.range),
    );
    return dynamic();
  }
  if (!f.variadic && args.length > params.length) {
    error("Too many function arguments", `Function "${e.name}" expects only ${params.length} argument(s).`, startRange(args[params.length].expr));
    return dynamic();
  }

  const paramOf = (i: number) => (i < params.length ? params[i] : f.variadic!);
  const values: Value[] = [];
  for (let i = 0; i < args.length; i++) {
    const param = paramOf(i);
    let value: Value;
    if (args[i].value !== undefined) value = args[i].value!;
    else {
      const r = evaluateIn(args[i].expr, scope);
      diagnostics.push(...r.diagnostics);
      value = r.value;
    }
    try {
      value = convert(value, param.type);
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      error("Invalid function argument", `Invalid value for "${param.name}" parameter: ${err.message}.`, startRange(args[i].expr));
    }
    values.push(value);
  }
  if (hasErrors(diagnostics)) return dynamic();

  const argError = (i: number, message: string) =>
    error("Invalid function argument", `Invalid value for "${paramOf(i).name}" parameter: ${message}.`, startRange(args[Math.min(i, args.length - 1)].expr));

  // cty's function.Call: nulls first, then the result type, then unknowns short-circuit.
  for (let i = 0; i < values.length; i++) {
    if (values[i].kind === "null" && !paramOf(i).allowNull) {
      argError(i, "argument must not be null");
      return dynamic();
    }
  }
  const failure = (err: unknown): Evaluated => {
    if (err instanceof HclFunctionError && err.argIndex !== undefined && err.argIndex < values.length) argError(err.argIndex, err.message);
    else error("Error in function call", `Call to function "${e.name}" failed: ${(err as Error).message}.`, callStartRange(e));
    return dynamic();
  };
  let resultType: HclType;
  try {
    resultType = values.some((v) => typeOf(v).kind === "dynamic") ? dynamicType : f.returnType(values);
  } catch (err) {
    return failure(err);
  }
  if (values.some((v, i) => v.kind === "unknown" && !allowsUnknown(f, i))) return { value: unknownVal(resultType), diagnostics };
  try {
    return { value: f.impl(values), diagnostics };
  } catch (err) {
    return failure(err);
  }
}

function allowsUnknown(f: HclFunction, i: number): boolean {
  return i < f.params.length ? f.params[i].allowUnknown === true : false;
}
