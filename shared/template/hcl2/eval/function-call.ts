/**
 * Function calls (hclsyntax FunctionCallExpr): lookup with suggestions, `...` expansion of the
 * final argument, argument counts, conversion of each argument to its parameter's type, null
 * and unknown handling as cty's function.Call does it, and the function's own errors.
 */
import { errorMessage } from "../../../error-message.js";
import type { ExpressionArgument, Expression, HclDiagnostic, HclExpressionFunction, HclFunction, HclType, Value } from "../contract.js";
import { HclDiagnosticsError, HclFunctionError } from "../contract.js";
import { ConversionError, convert, dynamicType, isWhollyKnown, parseTypeConstraint, typeOf, unknownVal } from "../value/index.js";
import { scopeTraversals } from "./references.js";
import { callStartRange, lastChar, startRange } from "./ranges.js";
import { didYouMean, functionNames, functionsAllowed, hasErrors, lookupFunction, type EvaluateIn, type Evaluated, type Scope } from "./scope.js";

type CallExpr = Extract<Expression, { kind: "call" }>;

export function evaluateCall(e: CallExpr, scope: Scope, evaluateIn: EvaluateIn): Evaluated {
  const diagnostics: HclDiagnostic[] = [];
  const dynamic = (): Evaluated => ({ value: unknownVal(), diagnostics });
  const error = (summary: string, detail: string, subject = e.range, context: typeof e.range | undefined = e.range) => {
    diagnostics.push({ severity: "error", summary, detail, subject, ...(context ? { context } : {}) });
  };

  if (!functionsAllowed(scope.ctx)) {
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
  if (isExpressionFunction(f)) return callWithExpressions(e, f, args, scope, evaluateIn, diagnostics);
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
    reportFailure(e, f, args, err, diagnostics);
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
  return (i < f.params.length ? f.params[i].allowUnknown : f.variadic?.allowUnknown) === true;
}

function isExpressionFunction(f: HclFunction): f is HclExpressionFunction {
  return typeof (f as Partial<HclExpressionFunction>).implExpressions === "function";
}

/**
 * can/try/convert (hcl's customdecode): the arguments go over as closures over their
 * expressions, evaluated (or read as type constraints) only when the function asks.
 */
function callWithExpressions(
  e: CallExpr,
  f: HclExpressionFunction,
  args: { expr: Expression; value?: Value }[],
  scope: Scope,
  evaluateIn: EvaluateIn,
  diagnostics: HclDiagnostic[],
): Evaluated {
  const closures: ExpressionArgument[] = args.map(({ expr, value }) => ({
    evaluate() {
      if (value !== undefined) return value;
      const r = evaluateIn(expr, scope);
      if (hasErrors(r.diagnostics)) throw new HclDiagnosticsError(r.diagnostics);
      return r.value;
    },
    dependsOnUnknowns() {
      if (value !== undefined) return !isWhollyKnown(value);
      return scopeTraversals(expr).some((ref) => {
        const r = evaluateIn(ref, scope);
        return !hasErrors(r.diagnostics) && !isWhollyKnown(r.value);
      });
    },
    typeConstraint() {
      const r = parseTypeConstraint(expr);
      if (hasErrors(r.diagnostics)) throw new HclDiagnosticsError(r.diagnostics);
      return r.type;
    },
  }));
  try {
    return { value: f.implExpressions(closures), diagnostics };
  } catch (err) {
    if (err instanceof HclDiagnosticsError) {
      diagnostics.push(...err.diagnostics);
      return { value: unknownVal(), diagnostics };
    }
    reportFailure(e, f, args, err, diagnostics);
    return { value: unknownVal(), diagnostics };
  }
}

/** A function's own error: about one argument (HclFunctionError with argIndex) or the call as a whole. */
function reportFailure(e: CallExpr, f: HclFunction, args: { expr: Expression }[], err: unknown, diagnostics: HclDiagnostic[]): void {
  const message = errorMessage(err);
  const argIndex = err instanceof HclFunctionError ? err.argIndex : undefined;
  if (argIndex !== undefined && argIndex < args.length) {
    const param = argIndex < f.params.length ? f.params[argIndex] : f.variadic;
    if (param) {
      diagnostics.push({
        severity: "error",
        summary: "Invalid function argument",
        detail: `Invalid value for "${param.name}" parameter: ${message}.`,
        subject: startRange(args[argIndex].expr),
        context: e.range,
      });
      return;
    }
  }
  diagnostics.push({
    severity: "error",
    summary: "Error in function call",
    detail: `Call to function "${e.name}" failed: ${message}.`,
    subject: callStartRange(e),
    context: e.range,
  });
}
