/**
 * can, try and convert take expressions, not values (hcl's tryfunc and typeexpr.ConvertFunc):
 * the evaluator must not evaluate their arguments first. It recognises them by name
 * (EXPRESSION_FUNCTIONS) and calls evaluateTry / evaluateCan with one closure per argument, and
 * for convert reads the second argument as a type constraint and calls convertToType.
 *
 * The HclFunction entries in the library are a fallback for an evaluator that evaluates the
 * arguments anyway: then an argument's error surfaces as that argument's error, as without try.
 */
import { HclDiagnosticsError, type ExpressionArgument as ContractExpressionArgument, type HclDiagnostic, type HclExpressionFunction, type HclFunction, type HclType, type Value } from "../contract.js";
import { rangeString } from "../syntax/index.js";
import { conversionMessage, defineFunction, fail } from "./function-spec.js";
import { boolType, boolVal, ConversionError, convert, dynamicType, isWhollyKnown, unknownVal } from "../value/index.js";

export const EXPRESSION_FUNCTIONS: ReadonlySet<string> = new Set(["can", "try", "convert"]);

/** One argument of can/try, not yet evaluated. */
export interface ExpressionArgument {
  /** Evaluates the argument; throws HclDiagnosticsError when it has errors. */
  evaluate(): Value;
  /** Whether a variable the expression refers to is not wholly known yet (then the result is unknown). */
  dependsOnUnknowns(): boolean;
}

export function evaluateTry(args: ExpressionArgument[]): Value {
  if (args.length === 0) fail("at least one argument is required");
  const diagnostics: HclDiagnostic[] = [];
  for (const arg of args) {
    if (arg.dependsOnUnknowns()) return unknownVal(dynamicType);
    try {
      return arg.evaluate();
    } catch (e) {
      if (!(e instanceof HclDiagnosticsError)) throw e;
      diagnostics.push(...e.diagnostics.filter((d) => d.severity === "error"));
    }
  }
  let message = "no expression succeeded:\n";
  for (const d of diagnostics) {
    message += d.subject ? `- ${d.summary} (at ${rangeString(d.subject)})\n  ${d.detail ?? ""}\n` : `- ${d.summary}\n  ${d.detail ?? ""}\n`;
  }
  message += "\nAt least one expression must produce a successful result";
  fail(message);
}

export function evaluateCan(arg: ExpressionArgument): Value {
  if (arg.dependsOnUnknowns()) return unknownVal(boolType);
  try {
    arg.evaluate();
    return boolVal(true);
  } catch (e) {
    if (e instanceof HclDiagnosticsError) return boolVal(false);
    throw e;
  }
}

/** `convert(value, type)`, once the evaluator has read the type constraint. */
export function convertToType(value: Value, type: HclType): Value {
  // typeexpr.ConvertFunc reports cty's plain conversion message, about its "value" argument.
  try {
    return convert(value, type);
  } catch (e) {
    if (e instanceof ConversionError) fail(conversionMessage(e), 0);
    throw e;
  }
}

/** The library's entries: the evaluator calls implExpressions with the arguments unevaluated. */
export const expressionFunctionFallbacks: Record<string, HclExpressionFunction> = {
  try: withExpressions(defineFunction({
    params: [],
    variadic: { name: "expressions", type: dynamicType, allowNull: true, allowUnknown: true },
    impl(args) {
      if (args.length === 0) fail("at least one argument is required");
      return isWhollyKnown(args[0]!) ? args[0]! : unknownVal(dynamicType);
    },
  }), evaluateTry),
  can: withExpressions(defineFunction({
    params: [{ name: "expression", type: dynamicType, allowNull: true, allowUnknown: true }],
    returnType: boolType,
    impl: ([v]) => (isWhollyKnown(v!) ? boolVal(true) : unknownVal(boolType)),
  }), ([arg]) => evaluateCan(arg!)),
  convert: withExpressions(defineFunction({
    params: [
      { name: "value", type: dynamicType, allowNull: true },
      { name: "type", type: dynamicType, allowNull: true },
    ],
    impl: () => fail("convert's second argument is a type expression, which the evaluator must read (EXPRESSION_FUNCTIONS)"),
  }), ([value, type]) => convertToType(value!.evaluate(), type!.typeConstraint())),
};

function withExpressions(f: HclFunction, implExpressions: (args: ContractExpressionArgument[]) => Value): HclExpressionFunction {
  return { ...f, implExpressions };
}
