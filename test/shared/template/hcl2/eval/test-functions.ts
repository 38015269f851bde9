/**
 * Tiny stand-in functions for the evaluator's tests (the real library is the functions room's):
 * just enough parameter shapes — plain, variadic, null- and unknown-accepting, failing — to
 * exercise call semantics. Named after Packer's functions where they behave the same.
 */
import type { HclExpressionFunction, HclFunction, Value } from "../../../../../shared/template/hcl2/contract.js";
import { HclDiagnosticsError, HclFunctionError } from "../../../../../shared/template/hcl2/contract.js";
import {
  boolType,
  ConversionError,
  convert,
  dynamicType,
  listType,
  numberType,
  numberVal,
  stringType,
  stringVal,
  boolVal,
  unknownVal,
} from "../../../../../shared/template/hcl2/value/index.js";

const upper: HclFunction = {
  params: [{ name: "str", type: stringType }],
  returnType: () => stringType,
  impl: ([s]) => stringVal((s as { value: string }).value.toUpperCase()),
};

/** join(separator, lists...) */
const join: HclFunction = {
  params: [{ name: "separator", type: stringType }],
  variadic: { name: "lists", type: listType(stringType) },
  returnType: () => stringType,
  impl: ([sep, ...lists]) => {
    if (lists.length === 0) throw new HclFunctionError("at least one list is required");
    const parts = lists.flatMap((l) => (l as { items: Value[] }).items.map((i) => (i as { value: string }).value));
    return stringVal(parts.join((sep as { value: string }).value));
  },
};

/** A function whose second argument must be positive: reports the bad argument by index. */
const pick: HclFunction = {
  params: [
    { name: "list", type: listType(stringType) },
    { name: "count", type: numberType },
  ],
  returnType: () => listType(stringType),
  impl: ([list, count]) => {
    if ((count as { value: number }).value < 0) throw new HclFunctionError("must not be negative", 1);
    return list;
  },
};

const fail: HclFunction = {
  params: [],
  returnType: () => stringType,
  impl: () => {
    throw new HclFunctionError("no luck today");
  },
};

/** Sees unknowns and nulls itself, like Packer's `can`-style helpers. */
const isknown: HclFunction = {
  params: [{ name: "value", type: dynamicType, allowUnknown: true, allowNull: true }],
  returnType: () => boolType,
  impl: ([v]) => boolVal(v.kind !== "unknown"),
};

const count: HclFunction = {
  params: [],
  variadic: { name: "values", type: dynamicType, allowNull: true },
  returnType: () => numberType,
  impl: (args) => numberVal(args.length),
};

/** can(expr): whether the expression evaluates without errors (hcl's tryfunc.CanFunc, in short). */
const can: HclExpressionFunction = {
  params: [{ name: "expression", type: dynamicType }],
  returnType: () => boolType,
  impl: () => {
    throw new Error("can takes an expression");
  },
  implExpressions: ([arg]) => {
    if (arg.dependsOnUnknowns()) return unknownVal(boolType);
    try {
      arg.evaluate();
      return boolVal(true);
    } catch (e) {
      if (e instanceof HclDiagnosticsError) return boolVal(false);
      throw e;
    }
  },
};

/** try(exprs...): the first expression that evaluates without errors. */
const tryFn: HclExpressionFunction = {
  params: [],
  variadic: { name: "expressions", type: dynamicType },
  returnType: () => dynamicType,
  impl: () => {
    throw new Error("try takes expressions");
  },
  implExpressions: (args) => {
    for (const arg of args) {
      if (arg.dependsOnUnknowns()) return unknownVal();
      try {
        return arg.evaluate();
      } catch (e) {
        if (!(e instanceof HclDiagnosticsError)) throw e;
      }
    }
    throw new HclFunctionError("no expression succeeded");
  },
};

/** convert(value, type): the second argument is a type constraint, read from its expression. */
const convertFn: HclExpressionFunction = {
  params: [
    { name: "value", type: dynamicType },
    { name: "type", type: dynamicType },
  ],
  returnType: () => dynamicType,
  impl: () => {
    throw new Error("convert takes a type expression");
  },
  implExpressions: ([value, type]) => {
    const v = value.evaluate();
    const t = type.typeConstraint();
    try {
      return convert(v, t);
    } catch (e) {
      if (e instanceof ConversionError) throw new HclFunctionError(e.message, 0);
      throw e;
    }
  },
};

export const testFunctions = new Map<string, HclFunction>([
  ["can", can],
  ["try", tryFn],
  ["convert", convertFn],
  ["upper", upper],
  ["join", join],
  ["pick", pick],
  ["fail", fail],
  ["isknown", isknown],
  ["count", count],
]);
