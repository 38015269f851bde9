/**
 * Attribute access and indexing (hcl's ops.go: hcl.GetAttr, hcl.Index): objects, maps, lists
 * and tuples, with unknowns flowing through and hcl's diagnostics when a step cannot be taken.
 */
import type { HclDiagnostic, HclRange, TraversalStep, Value } from "../contract.js";
import {
  convert,
  ConversionError,
  attributeType,
  dynamicType,
  formatGoFloat,
  numberType,
  stringType,
  typeOf,
  unknownVal,
} from "../value/index.js";

type Result = { value: Value; diagnostics: HclDiagnostic[] };

const dynamicResult = (diagnostics: HclDiagnostic[] = []): Result => ({ value: unknownVal(), diagnostics });

function fail(summary: string, detail: string, subject: HclRange): Result {
  return dynamicResult([{ severity: "error", summary, detail, subject }]);
}

export function getAttr(obj: Value, name: string, subject: HclRange): Result {
  if (obj.kind === "null") {
    return fail("Attempt to get attribute from null value", "This value is null, so it does not have any attributes.", subject);
  }
  const ty = typeOf(obj);
  switch (ty.kind) {
    case "object": {
      const attrType = attributeType(ty, name);
      if (!attrType) return fail("Unsupported attribute", `This object does not have an attribute named "${name}".`, subject);
      if (obj.kind === "unknown") return { value: unknownVal(attrType), diagnostics: [] };
      return { value: (obj as Extract<Value, { kind: "object" }>).attrs.get(name)!, diagnostics: [] };
    }
    case "map": {
      if (obj.kind === "unknown") return { value: unknownVal(ty.element), diagnostics: [] };
      const item = (obj as Extract<Value, { kind: "map" }>).attrs.get(name);
      if (item === undefined) return fail("Missing map element", `This map does not have an element with the key "${name}".`, subject);
      return { value: item, diagnostics: [] };
    }
    case "dynamic":
      return dynamicResult();
    default:
      return fail("Unsupported attribute", "This value does not have any attributes.", subject);
  }
}

export function index(collection: Value, key: Value, subject: HclRange): Result {
  if (collection.kind === "null") return fail("Attempt to index null value", "This value is null, so it does not have any indices.", subject);
  if (key.kind === "null") return fail("Invalid index", "Can't use a null value as an indexing key.", subject);
  const ty = typeOf(collection);
  const kty = typeOf(key);
  if (kty.kind === "dynamic" || ty.kind === "dynamic") return dynamicResult();

  const convertKey = (want: typeof numberType): Value | Result => {
    try {
      return convert(key, want);
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      return fail("Invalid index", `The given key does not identify an element in this collection value: ${e.message}.`, subject);
    }
  };
  const isResult = (x: Value | Result): x is Result => "diagnostics" in x;
  const noElement = () => fail("Invalid index", "The given key does not identify an element in this collection value.", subject);

  switch (ty.kind) {
    case "list":
    case "tuple": {
      const k = convertKey(numberType);
      if (isResult(k)) return k;
      if (collection.kind === "unknown" || k.kind === "unknown") {
        return ty.kind === "tuple" ? dynamicResult() : { value: unknownVal(ty.element), diagnostics: [] };
      }
      const n = (k as { value: number }).value;
      const items = (collection as { items: Value[] }).items;
      if (!Number.isInteger(n)) {
        return fail(
          "Invalid index",
          `The given key does not identify an element in this collection value: indexing a sequence requires a whole number, but the given index (${formatGoFloat(n)}) has a fractional part.`,
          subject,
        );
      }
      if (n < 0 || n >= items.length) return noElement();
      return { value: items[n], diagnostics: [] };
    }
    case "map": {
      const k = convertKey(stringType);
      if (isResult(k)) return k;
      if (collection.kind === "unknown" || k.kind === "unknown") return { value: unknownVal(ty.element), diagnostics: [] };
      const item = (collection as Extract<Value, { kind: "map" }>).attrs.get((k as { value: string }).value);
      return item === undefined ? noElement() : { value: item, diagnostics: [] };
    }
    case "object": {
      const k = convertKey(stringType);
      if (isResult(k)) return k;
      if (collection.kind === "unknown" || k.kind === "unknown") return dynamicResult();
      const name = (k as { value: string }).value;
      if (!attributeType(ty, name)) return noElement();
      return { value: (collection as Extract<Value, { kind: "object" }>).attrs.get(name)!, diagnostics: [] };
    }
    default:
      return fail("Invalid index", "This value does not have any indices.", subject);
  }
}

/** hcl's Traversal.TraverseRel: each step in turn, stopping (with an unknown) at the first error. */
export function traverse(value: Value, steps: TraversalStep[]): Result {
  let current = value;
  for (const step of steps) {
    const r = step.kind === "attr" ? getAttr(current, step.name, step.range) : index(current, step.key, step.range);
    if (r.diagnostics.some((d) => d.severity === "error")) return { value: unknownVal(dynamicType), diagnostics: r.diagnostics };
    current = r.value;
  }
  return { value: current, diagnostics: [] };
}
