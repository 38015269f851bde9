/**
 * Type-constraint expressions (a variable's `type = ...`), read as HCL's ext/typeexpr reads them:
 * `string`, `number`, `bool`, `any`, `list(T)`, `set(T)`, `map(T)`, `tuple([T, ...])`,
 * `object({name = T, other = optional(T)})`, and Terraform's legacy bare `list` / `map`.
 */
import type { Expression, HclDiagnostic, HclRange, HclType } from "../contract.js";
import { parseHclExpression } from "../syntax/index.js";
import { attributeRecord, boolType, dynamicType, listType, mapType, numberType, objectType, setType, stringType, tupleType } from "./types.js";

const INVALID = "Invalid type specification";

export interface TypeConstraintOptions {
  /**
   * Packer 1.6.6 reads `type =` with typeexpr.Type, which wants an exact type: no `any`, no bare
   * `list`/`map`, no `optional`. The default is the later, laxer typeexpr.TypeConstraint.
   */
  exact?: boolean;
  /**
   * The expression comes from HCL's JSON syntax (`"type": "list(string)"`), where a type is a
   * string holding native syntax, as hcl/json reads it. Needs the syntax room's parser loaded
   * (`initHclParser()`).
   */
  jsonSyntax?: boolean;
}

export function parseTypeConstraint(expr: Expression, options: TypeConstraintOptions = {}): { type: HclType; diagnostics: HclDiagnostic[] } {
  const diagnostics: HclDiagnostic[] = [];
  let typeExpr = expr;
  if (options.jsonSyntax && expr.kind === "template" && expr.parts.every((p) => p.kind === "literal")) {
    const text = expr.parts.map((p) => (p.kind === "literal" ? p.text : "")).join("");
    const start = expr.parts[0]?.range.start ?? expr.range.start;
    const parsed = parseHclExpression(expr.range.file, text, start);
    if (!parsed.expr || parsed.diagnostics.some((d) => d.severity === "error")) return { type: dynamicType, diagnostics: parsed.diagnostics };
    typeExpr = parsed.expr;
  }
  const type = getType(typeExpr, !options.exact, false, diagnostics);
  return { type, diagnostics };
}

function error(detail: string, subject: HclRange, context?: HclRange): HclDiagnostic {
  return { severity: "error", summary: INVALID, detail, subject, ...(context ? { context } : {}) };
}

/** hcl.ExprAsKeyword: a lone identifier, or "" (parentheses do not count). */
function keywordOf(expr: Expression): string {
  return expr.kind === "scope-traversal" && expr.steps.length === 0 ? expr.root : "";
}

function argsRange(expr: Extract<Expression, { kind: "call" }>): HclRange {
  return { file: expr.range.file, start: expr.nameRange.end, end: expr.range.end };
}

/** Returns `{ type, optional }` for object attributes; everywhere else `optional(...)` is an error. */
function getType(expr: Expression, constraint: boolean, inObjectAttr: boolean, diags: HclDiagnostic[]): HclType {
  return getTypeOrOptional(expr, constraint, inObjectAttr, diags).type;
}

function getTypeOrOptional(expr: Expression, constraint: boolean, inObjectAttr: boolean, diags: HclDiagnostic[]): { type: HclType; optional: boolean } {
  const plain = (type: HclType) => ({ type, optional: false });
  const fail = (d: HclDiagnostic) => {
    diags.push(d);
    return plain(dynamicType);
  };
  const kw = keywordOf(expr);
  switch (kw) {
    case "bool":
      return plain(boolType);
    case "string":
      return plain(stringType);
    case "number":
      return plain(numberType);
    case "any":
      if (constraint) return plain(dynamicType);
      return fail(error(`The keyword "any" cannot be used in this type specification: an exact type is required.`, expr.range));
    case "list":
    case "map":
      // Terraform 0.11's bare `list` and `map` still mean list(any) and map(any) in a constraint.
      if (constraint) return plain(kw === "list" ? listType(dynamicType) : mapType(dynamicType));
      return fail(error(`The ${kw} type constructor requires one argument specifying the element type.`, expr.range));
    case "set":
      return fail(error(`The ${kw} type constructor requires one argument specifying the element type.`, expr.range));
    case "object":
      return fail(error("The object type constructor requires one argument specifying the attribute types and values as a map.", expr.range));
    case "tuple":
      return fail(error("The tuple type constructor requires one argument specifying the element types as a list.", expr.range));
    case "optional":
      return fail(error(`Keyword "optional" is valid only as a modifier for object type attributes.`, expr.range));
    case "":
      break;
    default:
      return fail(error(`The keyword "${kw}" is not a valid type specification.`, expr.range));
  }

  if (expr.kind !== "call") {
    return fail(
      error(
        "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).",
        expr.range,
      ),
    );
  }
  const args = argsRange(expr);
  switch (expr.name) {
    case "bool":
    case "string":
    case "number":
    case "any":
      return fail(error(`Primitive type keyword "${expr.name}" does not expect arguments.`, args));
  }
  if (expr.args.length !== 1) {
    const subject =
      expr.args.length > 1
        ? { file: expr.range.file, start: expr.args[1].range.start, end: expr.args[expr.args.length - 1].range.end }
        : args;
    switch (expr.name) {
      case "list":
      case "set":
      case "map":
        return fail(error(`The ${expr.name} type constructor requires one argument specifying the element type.`, subject, args));
      case "object":
        return fail(error("The object type constructor requires one argument specifying the attribute types and values as a map.", subject, args));
      case "tuple":
        return fail(error("The tuple type constructor requires one argument specifying the element types as a list.", subject, args));
      case "optional":
        if (inObjectAttr && constraint) return fail(error("Optional attribute modifier requires the attribute type as its argument.", subject, args));
    }
  }
  const arg = expr.args[0];
  switch (expr.name) {
    case "list":
      return plain(listType(getType(arg, constraint, false, diags)));
    case "set":
      return plain(setType(getType(arg, constraint, false, diags)));
    case "map":
      return plain(mapType(getType(arg, constraint, false, diags)));
    case "optional":
      if (!inObjectAttr || !constraint) {
        return fail(error(`Keyword "optional" is valid only as a modifier for object type attributes.`, expr.range));
      }
      return { type: getType(arg, constraint, false, diags), optional: true };
    case "object": {
      const map = arg.kind === "parens" ? arg.inner : arg;
      if (map.kind !== "object") {
        return fail(
          error("Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types.", arg.range, expr.range),
        );
      }
      const attributes: [string, HclType][] = [];
      const optional: string[] = [];
      for (const item of map.items) {
        const name = item.bareKey ?? keywordOf(item.key);
        if (!name) {
          diags.push(error("Object constructor map keys must be attribute names.", item.key.range, expr.range));
          continue;
        }
        const attr = getTypeOrOptional(item.value, constraint, true, diags);
        attributes.push([name, attr.type]);
        if (attr.optional) optional.push(name);
      }
      return plain(objectType(attributeRecord(attributes), optional));
    }
    case "tuple": {
      const list = arg.kind === "parens" ? arg.inner : arg;
      if (list.kind !== "tuple") return fail(error("Tuple type constructor requires a list of element types.", arg.range, expr.range));
      return plain(tupleType(list.items.map((item) => getType(item, constraint, false, diags))));
    }
    default:
      return fail(error(`Keyword "${expr.name}" is not a valid type constructor.`, expr.range));
  }
}
