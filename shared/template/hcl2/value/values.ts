/**
 * Value constructors and inspection, as cty's: every collection knows its element type, sets are
 * de-duplicated and ordered, map and object keys iterate in lexical order.
 */
import type { HclType, Value } from "../contract.js";
import {
  boolType,
  dynamicType,
  hasDynamicTypes,
  listType,
  mapType,
  numberType,
  objectType,
  setType,
  stringType,
  tupleType,
  typeEquals,
  typeString,
  attributeRecord,
} from "./types.js";

/** cty normalises every string to NFC, so equal-looking strings compare equal. */
export function stringVal(s: string): Value {
  return { kind: "string", value: s.normalize("NFC") };
}

export function numberVal(n: number): Value {
  return { kind: "number", value: n === 0 ? 0 : n };
}

export function boolVal(b: boolean): Value {
  return { kind: "bool", value: b };
}

export const trueVal: Value = boolVal(true);
export const falseVal: Value = boolVal(false);

/** A null of the given type (types never carry `optional` markers: those are for conversion only). */
export function nullVal(type: HclType = dynamicType): Value {
  return { kind: "null", type: withoutOptionalAttributes(type) };
}

/** A value known only later (cty.UnknownVal); `unknownVal()` is cty.DynamicVal. */
export function unknownVal(type: HclType = dynamicType): Value {
  return { kind: "unknown", type: withoutOptionalAttributes(type) };
}

/** A list; `element` is required when `items` is empty and must agree with the items otherwise. */
export function listVal(items: Value[], element?: HclType): Value {
  return { kind: "list", element: collectionElementType("list", items, element), items: [...items] };
}

/** A set: duplicates dropped, primitives ordered as cty orders them (strings lexically, numbers by value). */
export function setVal(items: Value[], element?: HclType): Value {
  const unique: Value[] = [];
  for (const item of items) {
    if (item.kind === "unknown" || !unique.some((u) => rawEquals(u, item))) unique.push(item);
  }
  unique.sort(compareSetElements);
  return { kind: "set", element: collectionElementType("set", items, element), items: unique };
}

export function mapVal(attrs: Map<string, Value> | Record<string, Value>, element?: HclType): Value {
  const m = toMap(attrs);
  return { kind: "map", element: collectionElementType("map", [...m.values()], element), attrs: m };
}

export function tupleVal(items: Value[]): Value {
  return { kind: "tuple", items: [...items] };
}

export function objectVal(attrs: Map<string, Value> | Record<string, Value>): Value {
  return { kind: "object", attrs: toMap(attrs) };
}

export const emptyTupleVal: Value = tupleVal([]);
export const emptyObjectVal: Value = objectVal({});

function toMap(attrs: Map<string, Value> | Record<string, Value>): Map<string, Value> {
  const source = attrs instanceof Map ? [...attrs] : Object.entries(attrs);
  return new Map(source.map(([k, v]) => [k.normalize("NFC"), v]));
}

function collectionElementType(kind: string, items: Value[], element: HclType | undefined): HclType {
  const want = element ?? (items.length > 0 ? typeOf(items[0]) : dynamicType);
  for (const item of items) {
    const t = typeOf(item);
    // A dynamic-typed null/unknown may sit in any collection, as cty allows.
    if (!typeEquals(t, want) && !(t.kind === "dynamic") && !hasDynamicTypes(want)) {
      throw new Error(`inconsistent ${kind} element types (${typeString(want)} then ${typeString(t)})`);
    }
  }
  return want;
}

export function typeOf(v: Value): HclType {
  switch (v.kind) {
    case "null":
    case "unknown":
      return v.type;
    case "string":
      return stringType;
    case "number":
      return numberType;
    case "bool":
      return boolType;
    case "list":
      return listType(v.element);
    case "set":
      return setType(v.element);
    case "map":
      return mapType(v.element);
    case "tuple":
      return tupleType(v.items.map(typeOf));
    case "object": {
      return objectType(attributeRecord([...v.attrs].map(([k, item]) => [k, typeOf(item)])));
    }
  }
}

export function withoutOptionalAttributes(t: HclType): HclType {
  switch (t.kind) {
    case "list":
    case "set":
    case "map":
      return { kind: t.kind, element: withoutOptionalAttributes(t.element) };
    case "tuple":
      return tupleType(t.elements.map(withoutOptionalAttributes));
    case "object": {
      return objectType(attributeRecord(Object.entries(t.attributes).map(([k, a]) => [k, withoutOptionalAttributes(a)])));
    }
    default:
      return t;
  }
}

export function isNull(v: Value): boolean {
  return v.kind === "null";
}

export function isKnown(v: Value): boolean {
  return v.kind !== "unknown";
}

/** Known all the way down (cty's IsWhollyKnown). */
export function isWhollyKnown(v: Value): boolean {
  switch (v.kind) {
    case "unknown":
      return false;
    case "list":
    case "set":
    case "tuple":
      return v.items.every(isWhollyKnown);
    case "map":
    case "object":
      return [...v.attrs.values()].every(isWhollyKnown);
    default:
      return true;
  }
}

/** Go's sort.Strings order (byte-wise, which code-unit order matches outside astral characters). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A map's or object's entries in lexical key order, as cty iterates them. */
export function sortedEntries(v: Extract<Value, { kind: "map" | "object" }>): [string, Value][] {
  return [...v.attrs].sort(([a], [b]) => compareKeys(a, b));
}

/**
 * The elements of a list, set, tuple, map or object with their keys, in cty's iteration order
 * (index numbers for sequences, sorted string keys for maps and objects).
 */
export function elementsOf(v: Value): [Value, Value][] {
  switch (v.kind) {
    case "list":
    case "set":
    case "tuple":
      return v.items.map((item, i) => [numberVal(i), item]);
    case "map":
    case "object":
      return sortedEntries(v).map(([k, item]) => [stringVal(k), item]);
    default:
      throw new Error(`a ${typeString(typeOf(v))} value has no elements`);
  }
}

/** Whether the value's type can be iterated (list, set, tuple, map, object). */
export function canIterateElements(t: HclType): boolean {
  return t.kind === "list" || t.kind === "set" || t.kind === "tuple" || t.kind === "map" || t.kind === "object";
}

/** Number of elements of a known collection or structural value. */
export function lengthOf(v: Value): number {
  switch (v.kind) {
    case "list":
    case "set":
    case "tuple":
      return v.items.length;
    case "map":
    case "object":
      return v.attrs.size;
    case "string":
      return [...v.value].length;
    default:
      throw new Error(`a ${typeString(typeOf(v))} value has no length`);
  }
}

/** cty's RawEquals: same type and same value, unknowns equal when their types are. For tests and sets. */
export function rawEquals(a: Value, b: Value): boolean {
  if (a.kind === "null" || a.kind === "unknown") return b.kind === a.kind && typeEquals(a.type, b.type);
  switch (a.kind) {
    case "string":
    case "number":
    case "bool":
      return b.kind === a.kind && b.value === a.value;
    case "list":
    case "set":
      return (
        b.kind === a.kind && typeEquals(a.element, b.element) && a.items.length === b.items.length && a.items.every((x, i) => rawEquals(x, b.items[i]))
      );
    case "tuple":
      return b.kind === "tuple" && a.items.length === b.items.length && a.items.every((x, i) => rawEquals(x, b.items[i]));
    case "map":
    case "object":
      if (b.kind !== a.kind) return false;
      if (a.kind === "map" && b.kind === "map" && !typeEquals(a.element, b.element)) return false;
      if (a.attrs.size !== b.attrs.size) return false;
      for (const [k, x] of a.attrs) {
        const y = b.attrs.get(k);
        if (!y || !rawEquals(x, y)) return false;
      }
      return true;
  }
}

/**
 * cty's Value.Equals, the `==` operator: a bool, or an unknown bool when the answer depends on
 * unknowns. Values of different types are never equal (`1 == "1"` is false); two nulls are.
 */
export function valueEquals(a: Value, b: Value): Value {
  if (a.kind === "unknown" && b.kind === "unknown") return unknownVal(boolType);
  if (a.kind === "unknown" || b.kind === "unknown") {
    const [known, unknown] = a.kind === "unknown" ? [b, a] : [a, b];
    const unknownType = typeOf(unknown);
    if (known.kind === "null" || hasDynamicTypes(unknownType)) return unknownVal(boolType);
    return typeEquals(typeOf(known), unknownType) ? unknownVal(boolType) : falseVal;
  }
  if (a.kind === "null" && b.kind === "null") return trueVal;
  if (a.kind === "null" || b.kind === "null") return falseVal;
  const ta = typeOf(a);
  const tb = typeOf(b);
  // cty cannot compare values whose types hold `any` (`[null] == [null]` is unknown in Packer too).
  if (hasDynamicTypes(ta) || hasDynamicTypes(tb)) return unknownVal(boolType);
  if (!typeEquals(ta, tb)) return falseVal;
  switch (a.kind) {
    case "string":
    case "number":
    case "bool":
      return boolVal(a.value === (b as typeof a).value);
    case "list":
    case "tuple": {
      const bi = (b as typeof a).items;
      if (a.items.length !== bi.length) return falseVal;
      return allEqual(a.items.map((x, i) => [x, bi[i]]));
    }
    case "set": {
      const bi = (b as typeof a).items;
      if (a.items.some((x) => !isWhollyKnown(x)) || bi.some((x) => !isWhollyKnown(x))) return unknownVal(boolType);
      const contains = (xs: Value[], y: Value) => xs.some((x) => rawEquals(x, y));
      return boolVal(a.items.every((x) => contains(bi, x)) && bi.every((y) => contains(a.items, y)));
    }
    case "map":
    case "object": {
      const ba = (b as typeof a).attrs;
      if (a.attrs.size !== ba.size) return falseVal;
      const pairs: [Value, Value][] = [];
      for (const k of [...a.attrs.keys()].sort(compareKeys)) {
        const y = ba.get(k);
        if (!y) return falseVal;
        pairs.push([a.attrs.get(k)!, y]);
      }
      return allEqual(pairs);
    }
  }
}

function allEqual(pairs: [Value, Value][]): Value {
  for (const [x, y] of pairs) {
    const eq = valueEquals(x, y);
    if (eq.kind === "unknown") return unknownVal(boolType);
    if (eq.kind === "bool" && !eq.value) return falseVal;
  }
  return trueVal;
}

/** cty's set order for primitives; other element kinds keep insertion order, unknowns go last. */
function compareSetElements(a: Value, b: Value): number {
  const rank = (v: Value) => (v.kind === "unknown" ? 2 : v.kind === "null" ? 1 : 0);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (a.kind === "string" && b.kind === "string") return compareKeys(a.value, b.value);
  if (a.kind === "number" && b.kind === "number") return a.value - b.value;
  if (a.kind === "bool" && b.kind === "bool") return Number(a.value) - Number(b.value);
  return 0;
}
