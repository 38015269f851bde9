// How the executor sees a function: Go's parameter types matter for argument checking and for
// Go's error texts ("expected string; found 5", "wrong number of args for upper: want 1 got 0").
import type { GoValue } from "./go-values.js";

/**
 * A parameter's Go type:
 *  - "string", "int": constants must be of that kind, computed values must have that type;
 *  - "any" (interface{}): anything, a missing value arrives as nil;
 *  - "value" (reflect.Value, Go's builtins): anything, a missing value arrives as missing.
 */
export type ParamType = "string" | "int" | "any" | "value";

export interface TemplateFunction {
  readonly params: readonly ParamType[];
  /** Type of the arguments after `params`, for variadic functions. */
  readonly variadic?: ParamType;
  /** Computes the result; a thrown Error becomes "error calling <name>: <message>". */
  readonly call: (args: GoValue[]) => GoValue;
}

export type FunctionTable = ReadonlyMap<string, TemplateFunction>;

/** Go's spelling of a parameter type, for error messages. */
export function goParamTypeName(type: ParamType): string {
  switch (type) {
    case "string":
      return "string";
    case "int":
      return "int";
    case "any":
      return "interface {}";
    case "value":
      return "reflect.Value";
  }
}
