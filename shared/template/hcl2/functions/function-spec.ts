/**
 * How a function of the library is declared, and cty's calling rules (function.Call) applied
 * around every implementation: arity, "argument must not be null", conversion of each argument
 * to its parameter's type, and unknown arguments giving an unknown result. The evaluator may do
 * the same checks first (hcl's FunctionCallExpr does, for its own diagnostics); doing them here
 * too makes each function safe to call directly and is a no-op on already-converted arguments.
 */
import { HclFunctionError, type HclFunction, type HclType, type Value } from "../contract.js";
import { ConversionError, convert, dynamicType, isWhollyKnown, unknownVal } from "../value/index.js";

export interface ParamSpec {
  name: string;
  type: HclType;
  allowNull?: boolean;
  /** The implementation copes with unknown values (and unknowns nested in collections) itself. */
  allowUnknown?: boolean;
}

export interface FunctionSpec {
  params: ParamSpec[];
  variadic?: ParamSpec;
  /** A fixed type, or computed from the (converted) arguments; defaults to dynamic. */
  returnType?: HclType | ((args: Value[]) => HclType);
  /** Arguments arrive converted to their parameters' types, non-null unless allowed, known unless allowed. */
  impl(args: Value[]): Value;
}

export function defineFunction(spec: FunctionSpec): HclFunction {
  const returnTypeOf = (args: Value[]): HclType => {
    const rt = spec.returnType;
    if (rt === undefined) return dynamicType;
    if (typeof rt !== "function") return rt;
    try {
      return rt(args);
    } catch {
      return dynamicType;
    }
  };
  return {
    params: spec.params.map(({ name, type, allowNull, allowUnknown }) => ({ name, type, allowNull, allowUnknown })),
    variadic: spec.variadic ? { name: spec.variadic.name, type: spec.variadic.type, allowNull: spec.variadic.allowNull, allowUnknown: spec.variadic.allowUnknown } : undefined,
    returnType: returnTypeOf,
    impl(given: Value[]): Value {
      const args = prepareArguments(spec, given);
      const paramOf = (i: number): ParamSpec => (i < spec.params.length ? spec.params[i]! : spec.variadic!);
      for (let i = 0; i < args.length; i++) {
        if (!paramOf(i).allowUnknown && !isWhollyKnown(args[i]!)) return unknownVal(returnTypeOf(args));
      }
      return spec.impl(args);
    },
  };
}

function prepareArguments(spec: FunctionSpec, given: Value[]): Value[] {
  if (given.length < spec.params.length) {
    const missing = spec.params[given.length]!;
    throw new HclFunctionError(`Function expects ${spec.params.length} argument(s). Missing value for ${JSON.stringify(missing.name)}.`);
  }
  if (!spec.variadic && given.length > spec.params.length) {
    throw new HclFunctionError(`Function expects only ${spec.params.length} argument(s).`);
  }
  return given.map((arg, i) => {
    const param = i < spec.params.length ? spec.params[i]! : spec.variadic!;
    if (arg.kind === "null" && !param.allowNull) throw new HclFunctionError("argument must not be null", i);
    try {
      return convert(arg, param.type);
    } catch (e) {
      if (e instanceof ConversionError) throw new HclFunctionError(conversionMessage(e), i);
      throw e;
    }
  });
}

/** A conversion error as hcl prints it for an argument: the path first (`element 0: string required`). */
export function conversionMessage(e: ConversionError): string {
  const where = e.path.map((step) =>
    "attr" in step ? `attribute ${JSON.stringify(step.attr)}: ` : typeof step.index === "number" ? `element ${step.index}: ` : `element ${JSON.stringify(step.index)}: `,
  );
  return where.join("") + e.message;
}

/** A cty-style function error (the message as cty words it), optionally about one argument. */
export function fail(message: string, argIndex?: number): never {
  throw new HclFunctionError(message, argIndex);
}
