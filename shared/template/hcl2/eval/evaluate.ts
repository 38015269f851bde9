/**
 * The evaluator: an Expression in an EvalContext → a Value and diagnostics, with hclsyntax's
 * semantics for every expression kind of the contract. Errors never throw: like hcl, a failed
 * part yields an unknown value and a diagnostic whose subject is the part of the source at fault.
 */
import type { EvalContext, Expression, HclDiagnostic, Value } from "../contract.js";
import {
  ConversionError,
  boolType,
  convert,
  dynamicType,
  nullVal,
  objectVal,
  rawEquals,
  stringType,
  tupleVal,
  typeOf,
  typeString,
  unify,
  unknownVal,
} from "../value/index.js";
import { attachVariableValues } from "./diagnostic-values.js";
import { evaluateCall } from "./function-call.js";
import { evaluateFor } from "./for-expression.js";
import { applyBinary, applyUnary, binaryOperations, OperationError, unaryOperations } from "./operators.js";
import { bracketRange, rangeBetween } from "./ranges.js";
import { didYouMean, hasErrors, lookupVariable, variableNames, type Evaluated, type Scope } from "./scope.js";
import { evaluateSplat } from "./splat.js";
import { evaluateTemplate } from "./template.js";
import { index, traverse } from "./traversal.js";

/**
 * Evaluates an expression. Without a context (hcl's nil EvalContext, e.g. a variable's default)
 * references and calls are errors: "Variables not allowed", "Function calls not allowed".
 */
export function evaluate(expr: Expression, ctx: EvalContext | undefined): { value: Value; diagnostics: HclDiagnostic[] } {
  return evaluateIn(expr, { ctx });
}

function evaluateIn(e: Expression, scope: Scope): Evaluated {
  const r = evaluateNode(e, scope);
  attachVariableValues(r.diagnostics, e, scope.ctx);
  return r;
}

function evaluateNode(e: Expression, scope: Scope): Evaluated {
  switch (e.kind) {
    case "literal":
      return { value: e.value, diagnostics: [] };
    case "template":
      return evaluateTemplate(e, scope, evaluateIn);
    case "scope-traversal":
      return evaluateScopeTraversal(e, scope);
    case "relative-traversal": {
      const source = evaluateIn(e.source, scope);
      if (hasErrors(source.diagnostics)) return { value: unknownVal(), diagnostics: source.diagnostics };
      const r = traverse(source.value, e.steps);
      return { value: r.value, diagnostics: [...source.diagnostics, ...r.diagnostics] };
    }
    case "index": {
      const coll = evaluateIn(e.collection, scope);
      const key = evaluateIn(e.key, scope);
      const r = index(coll.value, key.value, bracketRange(e));
      return { value: r.value, diagnostics: [...coll.diagnostics, ...key.diagnostics, ...r.diagnostics] };
    }
    case "splat":
      return evaluateSplat(e, scope, evaluateIn);
    case "splat-item":
      return { value: scope.splatItem ?? unknownVal(), diagnostics: [] };
    case "call":
      return evaluateCall(e, scope, evaluateIn);
    case "tuple": {
      const diagnostics: HclDiagnostic[] = [];
      const items = e.items.map((item) => {
        const r = evaluateIn(item, scope);
        diagnostics.push(...r.diagnostics);
        return r.value;
      });
      return { value: tupleVal(items), diagnostics };
    }
    case "object":
      return evaluateObject(e, scope);
    case "unary":
      return evaluateUnary(e, scope);
    case "binary":
      return evaluateBinary(e, scope);
    case "conditional":
      return evaluateConditional(e, scope);
    case "for":
      return evaluateFor(e, scope, evaluateIn);
    case "parens":
      return evaluateIn(e.inner, scope);
  }
}

function hasVariables(ctx: EvalContext): boolean {
  for (let c: EvalContext | undefined = ctx; c; c = c.parent) if (!c.noVariables || c.variables.size > 0) return true;
  return false;
}

function evaluateScopeTraversal(e: Extract<Expression, { kind: "scope-traversal" }>, scope: Scope): Evaluated {
  const rootRange = e.steps.length > 0 ? { file: e.range.file, start: e.range.start, end: e.steps[0].range.start } : e.range;
  // hcl: a context none of whose scopes has a Variables map (a variable's default: functions only) allows none.
  if (!scope.ctx || !hasVariables(scope.ctx)) {
    return {
      value: unknownVal(),
      diagnostics: [{ severity: "error", summary: "Variables not allowed", detail: "Variables may not be used here.", subject: rootRange }],
    };
  }
  const root = lookupVariable(scope.ctx, e.root);
  if (root === undefined) {
    return {
      value: unknownVal(),
      diagnostics: [
        {
          severity: "error",
          summary: "Unknown variable",
          detail: `There is no variable named "${e.root}".${didYouMean(e.root, variableNames(scope.ctx))}`,
          subject: rootRange,
        },
      ],
    };
  }
  return traverse(root, e.steps);
}

function evaluateObject(e: Extract<Expression, { kind: "object" }>, scope: Scope): Evaluated {
  const diagnostics: HclDiagnostic[] = [];
  const attrs = new Map<string, Value>();
  let known = true;
  for (const item of e.items) {
    const key = evaluateObjectKey(item, scope);
    diagnostics.push(...key.diagnostics);
    const val = evaluateIn(item.value, scope);
    diagnostics.push(...val.diagnostics);
    if (hasErrors(key.diagnostics)) {
      known = false;
      continue;
    }
    if (key.value.kind === "null") {
      diagnostics.push({ severity: "error", summary: "Null value as key", detail: "Can't use a null value as a key.", subject: item.value.range });
      known = false;
      continue;
    }
    let k: Value;
    try {
      k = convert(key.value, stringType);
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      diagnostics.push({ severity: "error", summary: "Incorrect key type", detail: `Can't use this value as a key: ${err.message}.`, subject: item.key.range });
      known = false;
      continue;
    }
    if (k.kind !== "string") {
      known = false;
      continue;
    }
    attrs.set(k.value, val.value);
  }
  return { value: known ? objectVal(attrs) : unknownVal(), diagnostics };
}

/** hcl's ObjectConsKeyExpr: a bare name is a string; `a.b` unparenthesised is ambiguous; anything else is evaluated. */
function evaluateObjectKey(item: Extract<Expression, { kind: "object" }>["items"][number], scope: Scope): Evaluated {
  if (item.bareKey !== undefined) return { value: { kind: "string", value: item.bareKey }, diagnostics: [] };
  const k = item.key;
  if (k.kind === "scope-traversal") {
    if (k.steps.length > 0) {
      return {
        value: unknownVal(),
        diagnostics: [
          {
            severity: "error",
            summary: "Ambiguous attribute key",
            detail:
              "If this expression is intended to be a reference, wrap it in parentheses. If it's instead intended as a literal name containing periods, wrap it in quotes to create a string literal.",
            subject: k.range,
          },
        ],
      };
    }
    return { value: { kind: "string", value: k.root }, diagnostics: [] };
  }
  return evaluateIn(k, scope);
}

function evaluateUnary(e: Extract<Expression, { kind: "unary" }>, scope: Scope): Evaluated {
  const operation = unaryOperations[e.op];
  const r = evaluateIn(e.operand, scope);
  const diagnostics = [...r.diagnostics];
  let v = r.value;
  try {
    v = convert(v, operation.param);
  } catch (err) {
    if (!(err instanceof ConversionError)) throw err;
    diagnostics.push({
      severity: "error",
      summary: "Invalid operand",
      detail: `Unsuitable value for unary operand: ${err.message}.`,
      subject: e.operand.range,
      context: e.range,
    });
  }
  if (hasErrors(diagnostics)) return { value: unknownVal(operation.result), diagnostics };
  try {
    return { value: applyUnary(e.op, v), diagnostics };
  } catch (err) {
    if (!(err instanceof OperationError)) throw err;
    diagnostics.push({ severity: "error", summary: "Operation failed", detail: `Error during operation: ${err.message}.`, subject: e.range });
    return { value: unknownVal(operation.result), diagnostics };
  }
}

function evaluateBinary(e: Extract<Expression, { kind: "binary" }>, scope: Scope): Evaluated {
  const operation = binaryOperations[e.op];
  const left = evaluateIn(e.left, scope);
  const right = evaluateIn(e.right, scope);
  const diagnostics = [...left.diagnostics, ...right.diagnostics];
  const convertOperand = (v: Value, side: "left" | "right", operand: Expression): Value => {
    try {
      return convert(v, operation.param);
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      diagnostics.push({
        severity: "error",
        summary: "Invalid operand",
        detail: `Unsuitable value for ${side} operand: ${err.message}.`,
        subject: operand.range,
        context: e.range,
      });
      return unknownVal(operation.param);
    }
  };
  const l = convertOperand(left.value, "left", e.left);
  const r = convertOperand(right.value, "right", e.right);
  if (hasErrors(diagnostics)) return { value: unknownVal(operation.result), diagnostics };
  try {
    return { value: applyBinary(e.op, l, r), diagnostics };
  } catch (err) {
    if (!(err instanceof OperationError)) throw err;
    diagnostics.push({ severity: "error", summary: "Operation failed", detail: `Error during operation: ${err.message}.`, subject: e.range });
    return { value: unknownVal(operation.result), diagnostics };
  }
}

function evaluateConditional(e: Extract<Expression, { kind: "conditional" }>, scope: Scope): Evaluated {
  const thenResult = evaluateIn(e.then, scope);
  const elseResult = evaluateIn(e.else, scope);
  const thenType = typeOf(thenResult.value);
  const elseType = typeOf(elseResult.value);
  const untypedNull = nullVal(dynamicType);

  // Both branches must share a type, so the result's type is known even when the condition is not.
  let resultType = dynamicType;
  let convertThen = false;
  let convertElse = false;
  if (rawEquals(thenResult.value, untypedNull)) {
    resultType = elseType;
    convertThen = true;
  } else if (rawEquals(elseResult.value, untypedNull)) {
    resultType = thenType;
    convertElse = true;
  } else if (thenType.kind !== "dynamic" && elseType.kind !== "dynamic") {
    const unified = unify([thenType, elseType]);
    if (!unified) {
      return {
        value: unknownVal(),
        diagnostics: [
          {
            severity: "error",
            summary: "Inconsistent conditional result types",
            detail: `The true and false result expressions must have consistent types. The given expressions are ${typeString(thenType)} and ${typeString(elseType)}, respectively.`,
            subject: rangeBetween(e.then.range, e.else.range),
            context: e.range,
          },
        ],
      };
    }
    resultType = unified;
    convertThen = true;
    convertElse = true;
  }

  const cond = evaluateIn(e.condition, scope);
  const diagnostics = [...cond.diagnostics];
  const condError = (summary: string, detail: string): Evaluated => {
    diagnostics.push({ severity: "error", summary, detail, subject: e.condition.range, context: e.range });
    return { value: unknownVal(resultType), diagnostics };
  };
  if (cond.value.kind === "null") return condError("Null condition", "The condition value is null. Conditions must either be true or false.");
  if (cond.value.kind === "unknown") return { value: unknownVal(resultType), diagnostics };
  let b: Value;
  try {
    b = convert(cond.value, boolType);
  } catch (err) {
    if (!(err instanceof ConversionError)) throw err;
    return condError("Incorrect condition type", "The condition expression must be of type bool.");
  }
  const takeThen = b.kind === "bool" && b.value;
  const taken = takeThen ? thenResult : elseResult;
  diagnostics.push(...taken.diagnostics);
  if (!(takeThen ? convertThen : convertElse)) return { value: taken.value, diagnostics };
  try {
    return { value: convert(taken.value, resultType), diagnostics };
  } catch (err) {
    if (!(err instanceof ConversionError)) throw err;
    diagnostics.push({
      severity: "error",
      summary: "Inconsistent conditional result types",
      detail: `The ${takeThen ? "true" : "false"} result value has the wrong type: ${err.message}.`,
      subject: (takeThen ? e.then : e.else).range,
      context: e.range,
    });
    return { value: unknownVal(resultType), diagnostics };
  }
}
