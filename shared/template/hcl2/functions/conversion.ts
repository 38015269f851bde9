/**
 * Type conversion functions (cty stdlib MakeToFunc: tostring, tonumber, tobool, tolist, toset,
 * tomap) and the conversion behind `convert(value, type)`, whose second argument is a type
 * expression the evaluator reads (see README.md: expression functions).
 */
import type { HclFunction, HclType, Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { BOOL, convert, DYNAMIC, friendlyTypeName, listOf, mapOf, NUMBER, setOf, STRING, typeOf } from "./value-stand-in.js";

/** cty's FriendlyNameForConstraint: `any` for the dynamic pseudo-type. */
export function constraintName(t: HclType): string {
  switch (t.kind) {
    case "dynamic":
      return "any";
    case "list":
    case "set":
    case "map":
      return `${t.kind} of ${constraintName(t.element)}`;
    default:
      return t.kind;
  }
}

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
    fail(`cannot convert ${friendlyTypeName(got)} to ${constraintName(want)}`, 0);
  }
}

const toFunction = (want: HclType): HclFunction =>
  defineFunction({
    params: [{ name: "v", type: DYNAMIC, allowNull: true }],
    returnType: want.kind === "string" || want.kind === "number" || want.kind === "bool" ? want : undefined,
    impl: ([v]) => convertForFunction(v!, want),
  });

export const conversionFunctions: Record<string, HclFunction> = {
  tostring: toFunction(STRING),
  tonumber: toFunction(NUMBER),
  tobool: toFunction(BOOL),
  tolist: toFunction(listOf(DYNAMIC)),
  toset: toFunction(setOf(DYNAMIC)),
  tomap: toFunction(mapOf(DYNAMIC)),
};
