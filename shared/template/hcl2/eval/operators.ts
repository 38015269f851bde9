/**
 * Unary and binary operators as hclsyntax applies them: operands converted to the operation's
 * parameter types ("Invalid operand"), then cty's operation ("Operation failed"); `==`/`!=`
 * take any types and compare with cty's equality, everything else refuses null and passes
 * unknowns through as an unknown of the result type.
 */
import type { HclType, Value } from "../contract.js";
import {
  addNumbers,
  boolType,
  boolVal,
  divideNumbers,
  dynamicType,
  moduloNumbers,
  multiplyNumbers,
  numberType,
  numberVal,
  subtractNumbers,
  valueEquals,
  unknownVal,
} from "../value/index.js";

export type BinaryOp = "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%";
export type UnaryOp = "!" | "-";

interface Operation {
  /** Both operands are converted to this type first. */
  param: HclType;
  result: HclType;
  /** `==` and `!=` see nulls and unknowns themselves. */
  allowNullAndUnknown?: boolean;
}

const logical: Operation = { param: boolType, result: boolType };
const equality: Operation = { param: dynamicType, result: boolType, allowNullAndUnknown: true };
const comparison: Operation = { param: numberType, result: boolType };
const arithmetic: Operation = { param: numberType, result: numberType };

export const binaryOperations: Record<BinaryOp, Operation> = {
  "||": logical,
  "&&": logical,
  "==": equality,
  "!=": equality,
  "<": comparison,
  "<=": comparison,
  ">": comparison,
  ">=": comparison,
  "+": arithmetic,
  "-": arithmetic,
  "*": arithmetic,
  "/": arithmetic,
  "%": arithmetic,
};

export const unaryOperations: Record<UnaryOp, Operation> = {
  "!": { param: boolType, result: boolType },
  "-": { param: numberType, result: numberType },
};

/** An operation's own failure, worded as cty's (the evaluator says "Error during operation: …"). */
export class OperationError extends Error {}

/** Applies an operator to already-converted operands. Throws OperationError (null operand, 0/0 …). */
export function applyBinary(op: BinaryOp, a: Value, b: Value): Value {
  const operation = binaryOperations[op];
  if (operation.allowNullAndUnknown) {
    const eq = valueEquals(a, b);
    if (op === "==" || eq.kind !== "bool") return eq;
    return boolVal(!eq.value);
  }
  if (a.kind === "null" || b.kind === "null") throw new OperationError("argument must not be null");
  if (a.kind === "unknown" || b.kind === "unknown") return unknownVal(operation.result);
  if (operation === logical) {
    const x = (a as { value: boolean }).value;
    const y = (b as { value: boolean }).value;
    return boolVal(op === "||" ? x || y : x && y);
  }
  const x = (a as { value: number }).value;
  const y = (b as { value: number }).value;
  try {
    switch (op) {
      case "<":
        return boolVal(x < y);
      case "<=":
        return boolVal(x <= y);
      case ">":
        return boolVal(x > y);
      case ">=":
        return boolVal(x >= y);
      case "+":
        return numberVal(addNumbers(x, y));
      case "-":
        return numberVal(subtractNumbers(x, y));
      case "*":
        return numberVal(multiplyNumbers(x, y));
      case "/":
        return numberVal(divideNumbers(x, y));
      case "%":
        return numberVal(moduloNumbers(x, y));
    }
  } catch (e) {
    throw new OperationError((e as Error).message);
  }
  throw new Error(`unhandled operator ${op}`);
}

export function applyUnary(op: UnaryOp, a: Value): Value {
  if (a.kind === "null") throw new OperationError("argument must not be null");
  if (a.kind === "unknown") return unknownVal(unaryOperations[op].result);
  if (op === "!") return boolVal(!(a as { value: boolean }).value);
  return numberVal(-(a as { value: number }).value);
}
