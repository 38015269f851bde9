/**
 * Type conversion functions (cty stdlib MakeToFunc: tostring, tonumber, tobool, tolist, toset,
 * tomap) and the conversion behind `convert(value, type)`, whose second argument is a type
 * expression the evaluator reads (see README.md: expression functions).
 */
import type { HclFunction, HclType, Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { boolType, convert, dynamicType, listType, mapType, numberType, setType, stringType, typeOf, typeString, typeStringForConstraint } from "../value/index.js";

/** Converts `v` to `want` with the messages cty's to* functions give. */
export function convertForFunction(v: Value, want: HclType): Value {
  try {
    return convert(v, want);
  } catch {
    const got = typeOf(v);
    if (got.kind === "string" && want.kind === "bool") {
      fail(`cannot convert ${v.kind === "string" ? JSON.stringify(v.value) : "string"} to bool; only the strings "true" or "false" are allowed`, 0);
    }
    if (got.kind === "string" && want.kind === "number") {
      fail(`cannot convert ${v.kind === "string" ? JSON.stringify(v.value) : "string"} to number; given string must be a decimal representation of a number`, 0);
    }
    fail(`cannot convert ${typeString(got)} to ${typeStringForConstraint(want)}`, 0);
  }
}

const toFunction = (want: HclType): HclFunction =>
  defineFunction({
    params: [{ name: "v", type: dynamicType, allowNull: true }],
    returnType: want.kind === "string" || want.kind === "number" || want.kind === "bool" ? want : undefined,
    impl: ([v]) => convertForFunction(v!, want),
  });

export const conversionFunctions: Record<string, HclFunction> = {
  tostring: toFunction(stringType),
  tonumber: toFunction(numberType),
  tobool: toFunction(boolType),
  tolist: toFunction(listType(dynamicType)),
  toset: toFunction(setType(dynamicType)),
  tomap: toFunction(mapType(dynamicType)),
};
