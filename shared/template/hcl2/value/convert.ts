/**
 * Type conversion with cty's rules (zclconf/go-cty cty/convert): primitive conversions
 * (number/bool → string safely, string → number/bool unsafely), tuple → list/set, object → map,
 * element-type unification for `list(any)`/`map(any)`, object attribute selection with
 * `optional(...)` attributes filled with null, and cty's wording for what went wrong.
 */
import type { HclType, Value } from "../contract.js";
import { parseNumber, numberToString } from "./number.js";
import {
  dynamicType,
  hasDynamicTypes,
  isPrimitiveType,
  listType,
  mapType,
  objectType,
  tupleType,
  typeEquals,
  attributeType,
  attributeRecord,
  typeStringForConstraint,
  typeString,
} from "./types.js";
import {
  boolVal,
  compareKeys,
  listVal,
  mapVal,
  nullVal,
  numberVal,
  objectVal,
  setVal,
  stringVal,
  tupleVal,
  typeOf,
  unknownVal,
} from "./values.js";

/** One step of the path to the part of a value a conversion failed on: an attribute name or an index/key. */
export type ValuePathStep = { attr: string } | { index: number | string };

/** A conversion failure; `message` is cty's ("a number is required", `attribute "x" is required`). */
export class ConversionError extends Error {
  constructor(
    message: string,
    readonly path: ValuePathStep[] = [],
  ) {
    super(message);
    this.name = "ConversionError";
  }
}

type Conversion = (v: Value, path: ValuePathStep[]) => Value;

/**
 * Converts a value to a type (cty's convert.Convert: safe or unsafe conversions). Throws
 * ConversionError when impossible. Null and unknown convert to null/unknown of the type.
 */
export function convert(v: Value, want: HclType): Value {
  const have = typeOf(v);
  if (typeEquals(have, want)) return v;
  const conv = getConversion(have, want, true);
  if (!conv) throw new ConversionError(mismatchMessage(have, want));
  return conv(v, []);
}

/** Like convert, but an error becomes `{ error }` instead of a throw. */
export function tryConvert(v: Value, want: HclType): { value: Value; error?: undefined } | { value?: undefined; error: ConversionError } {
  try {
    return { value: convert(v, want) };
  } catch (e) {
    if (e instanceof ConversionError) return { error: e };
    throw e;
  }
}

/** Whether a conversion exists; `safe` only allows the ones that can never fail (cty's GetConversion). */
export function canConvert(from: HclType, to: HclType, safe = false): boolean {
  return typeEquals(from, to) || getConversion(from, to, !safe) !== undefined;
}

function getConversion(inT: HclType, outT: HclType, unsafe: boolean): Conversion | undefined {
  const known = getConversionKnown(inT, outT, unsafe);
  if (!known) return undefined;
  return (v, path) => {
    if (outT.kind === "dynamic") return v;
    if (v.kind === "unknown") return unknownVal(outT);
    if (v.kind === "null") return nullVal(outT);
    return known(v, path);
  };
}

const passthrough: Conversion = (v) => v;

function getConversionKnown(inT: HclType, outT: HclType, unsafe: boolean): Conversion | undefined {
  if (outT.kind === "dynamic") return passthrough;
  // Only null and unknown values have the dynamic type; the wrapper converts those.
  if (inT.kind === "dynamic") return unsafe ? passthrough : undefined;
  if (isPrimitiveType(inT) && isPrimitiveType(outT)) return primitiveConversion(inT, outT, unsafe);
  if (outT.kind === "object" && inT.kind === "object") return objectToObject(inT, outT, unsafe);
  if (outT.kind === "tuple" && inT.kind === "tuple") return tupleToTuple(inT, outT, unsafe);
  if ((outT.kind === "list" || outT.kind === "set") && (inT.kind === "list" || inT.kind === "set")) {
    if (outT.kind === "set" && inT.kind === "list" && !unsafe) return undefined;
    const inEty = inT.element;
    const outEty = outT.element;
    const convEty = typeEquals(inEty, outEty) ? undefined : getConversion(inEty, outEty, unsafe);
    if (!typeEquals(inEty, outEty) && !convEty) return undefined;
    return collectionToSequence(outT.kind, outEty, convEty);
  }
  if (outT.kind === "map" && inT.kind === "map") {
    const convEty = typeEquals(inT.element, outT.element) ? undefined : getConversion(inT.element, outT.element, unsafe);
    if (!typeEquals(inT.element, outT.element) && !convEty) return undefined;
    return (v, path) => {
      if (v.kind !== "map") throw new Error("map conversion of a non-map");
      const attrs = new Map<string, Value>();
      for (const [k, item] of v.attrs) attrs.set(k, convEty ? convEty(item, [...path, { index: k }]) : item);
      return finishMap(attrs, outT.element, inT.element, path, unsafe);
    };
  }
  if ((outT.kind === "list" || outT.kind === "set") && inT.kind === "tuple") return tupleToSequence(inT, outT.kind, outT.element, unsafe);
  if (outT.kind === "map" && inT.kind === "object") return objectToMap(inT, outT.element, unsafe);
  if (outT.kind === "object" && inT.kind === "map") return unsafe ? mapToObject(inT.element, outT, unsafe) : undefined;
  return undefined;
}

function primitiveConversion(inT: HclType, outT: HclType, unsafe: boolean): Conversion | undefined {
  if (inT.kind === outT.kind) return passthrough;
  if (outT.kind === "string") {
    if (inT.kind === "number") return (v) => stringVal(numberToString((v as { value: number }).value));
    if (inT.kind === "bool") return (v) => stringVal((v as { value: boolean }).value ? "true" : "false");
  }
  if (!unsafe || inT.kind !== "string") return undefined;
  if (outT.kind === "number") {
    return (v, path) => {
      const n = parseNumber((v as { value: string }).value);
      if (n === undefined) throw new ConversionError("a number is required", path);
      return numberVal(n);
    };
  }
  if (outT.kind === "bool") {
    return (v, path) => {
      const s = (v as { value: string }).value;
      if (s === "true" || s === "1") return boolVal(true);
      if (s === "false" || s === "0") return boolVal(false);
      const lower = s.toLowerCase();
      if (lower === "true" || lower === "false") {
        throw new ConversionError(`a bool is required; to convert from string, use lowercase "${lower}"`, path);
      }
      throw new ConversionError("a bool is required", path);
    };
  }
  return undefined;
}

function objectToObject(inT: Extract<HclType, { kind: "object" }>, outT: Extract<HclType, { kind: "object" }>, unsafe: boolean): Conversion | undefined {
  const optional = new Set(outT.optional ?? []);
  const convs = new Map<string, Conversion | undefined>();
  for (const [name, outAty] of Object.entries(outT.attributes)) {
    const inAty = attributeType(inT, name);
    if (!inAty) {
      if (optional.has(name)) continue;
      return undefined;
    }
    if (typeEquals(inAty, outAty)) {
      convs.set(name, undefined);
      continue;
    }
    const conv = getConversion(inAty, outAty, unsafe);
    if (!conv) return undefined;
    convs.set(name, conv);
  }
  return (v, path) => {
    if (v.kind !== "object") throw new Error("object conversion of a non-object");
    const attrs = new Map<string, Value>();
    for (const name of Object.keys(outT.attributes).sort(compareKeys)) {
      const item = v.attrs.get(name);
      if (item === undefined) {
        attrs.set(name, nullVal(outT.attributes[name]));
        continue;
      }
      const conv = convs.get(name);
      attrs.set(name, conv ? conv(item, [...path, { attr: name }]) : item);
    }
    return objectVal(attrs);
  };
}

function tupleToTuple(inT: Extract<HclType, { kind: "tuple" }>, outT: Extract<HclType, { kind: "tuple" }>, unsafe: boolean): Conversion | undefined {
  if (inT.elements.length !== outT.elements.length) return undefined;
  const convs: (Conversion | undefined)[] = [];
  for (let i = 0; i < outT.elements.length; i++) {
    if (typeEquals(inT.elements[i], outT.elements[i])) {
      convs.push(undefined);
      continue;
    }
    const conv = getConversion(inT.elements[i], outT.elements[i], unsafe);
    if (!conv) return undefined;
    convs.push(conv);
  }
  return (v, path) => {
    if (v.kind !== "tuple") throw new Error("tuple conversion of a non-tuple");
    return tupleVal(v.items.map((item, i) => (convs[i] ? convs[i]!(item, [...path, { index: i }]) : item)));
  };
}

function collectionToSequence(kind: "list" | "set", outEty: HclType, convEty: Conversion | undefined): Conversion {
  return (v, path) => {
    if (v.kind !== "list" && v.kind !== "set") throw new Error("collection conversion of a non-collection");
    const items = v.items.map((item, i) => (convEty ? convEty(item, [...path, { index: i }]) : item));
    if (items.length === 0) return makeSequence(kind, [], outEty.kind === "dynamic" ? v.element : outEty);
    return makeSequence(kind, unifyItems(kind, items, outEty, path), undefined);
  };
}

function tupleToSequence(inT: Extract<HclType, { kind: "tuple" }>, kind: "list" | "set", listEty: HclType, unsafe: boolean): Conversion | undefined {
  if (inT.elements.length === 0) return () => makeSequence(kind, [], listEty);
  let ety = listEty;
  if (ety.kind === "dynamic") {
    const unified = unify(inT.elements, unsafe);
    if (!unified) return undefined;
    ety = unified;
  }
  const convs: (Conversion | undefined)[] = [];
  for (const t of inT.elements) {
    if (typeEquals(t, ety)) {
      convs.push(undefined);
      continue;
    }
    const conv = getConversion(t, ety, unsafe);
    if (!conv) return undefined;
    convs.push(conv);
  }
  return (v, path) => {
    if (v.kind !== "tuple") throw new Error("tuple conversion of a non-tuple");
    const items = v.items.map((item, i) => (convs[i] ? convs[i]!(item, [...path, { index: i }]) : item));
    return makeSequence(kind, unifyItems(kind, items, ety, path), undefined);
  };
}

function makeSequence(kind: "list" | "set", items: Value[], element: HclType | undefined): Value {
  const ety = element ?? commonItemType(items);
  return kind === "list" ? listVal(items, ety) : setVal(items, ety);
}

/** The one type the items share (after unifyItems), preferring a fully known one over a dynamic null. */
function commonItemType(items: Value[]): HclType {
  const types = items.map(typeOf);
  return types.find((t) => !hasDynamicTypes(t)) ?? types[0] ?? dynamicType;
}

/**
 * When the target element type still has `any` in it (list(list(any))), converted elements may
 * differ in type; cty then unifies them into one, or fails as it does for mixed collections.
 */
function unifyItems(kind: string, items: Value[], ety: HclType, path: ValuePathStep[]): Value[] {
  if (!hasDynamicTypes(ety)) return items;
  const types = items.map(typeOf);
  if (types.every((t) => typeEquals(t, types[0]))) return items;
  const unified = unify(types, true);
  if (!unified) throw new ConversionError(`all ${kind} elements must have the same type`, path);
  return items.map((item, i) => {
    if (typeEquals(types[i], unified)) return item;
    const conv = getConversion(types[i], unified, true);
    if (!conv) throw new ConversionError(`all ${kind} elements must have the same type`, path);
    return conv(item, [...path, { index: i }]);
  });
}

function objectToMap(inT: Extract<HclType, { kind: "object" }>, mapEty: HclType, unsafe: boolean): Conversion | undefined {
  const names = Object.keys(inT.attributes);
  if (names.length === 0) return () => mapVal(new Map(), mapEty);
  let ety = mapEty;
  if (ety.kind === "dynamic") {
    const unified = unify(
      names.map((n) => inT.attributes[n]!),
      unsafe,
    );
    if (!unified) return undefined;
    ety = unified;
  }
  const convs = new Map<string, Conversion>();
  for (const name of names) {
    const t = inT.attributes[name];
    if (typeEquals(t, ety)) continue;
    const conv = getConversion(t, ety, unsafe);
    if (!conv) return undefined;
    convs.set(name, conv);
  }
  return (v, path) => {
    if (v.kind !== "object") throw new Error("object conversion of a non-object");
    const attrs = new Map<string, Value>();
    for (const [name, item] of v.attrs) {
      const conv = convs.get(name);
      attrs.set(name, conv ? conv(item, [...path, { index: name }]) : item);
    }
    return finishMap(attrs, ety, ety, path, unsafe);
  };
}

/** cty's map post-processing: unify nested collection/object elements, then check they agree. */
function finishMap(attrs: Map<string, Value>, ety: HclType, fallbackEty: HclType, path: ValuePathStep[], unsafe: boolean): Value {
  if (attrs.size === 0) return mapVal(attrs, ety.kind === "dynamic" ? fallbackEty : ety);
  let elems = attrs;
  if (ety.kind === "list" || ety.kind === "set" || ety.kind === "map" || ety.kind === "object" || hasDynamicTypes(ety)) {
    const types = [...elems.values()].map(typeOf);
    const unified = unify(types, unsafe);
    if (unified) {
      const next = new Map<string, Value>();
      for (const [k, item] of elems) {
        const t = typeOf(item);
        const conv = typeEquals(t, unified) ? undefined : getConversion(t, unified, unsafe);
        next.set(k, conv ? conv(item, [...path, { index: k }]) : item);
      }
      elems = next;
    }
  }
  let first: HclType | undefined;
  for (const k of [...elems.keys()].sort(compareKeys)) {
    const t = typeOf(elems.get(k)!);
    if (!first) first = t;
    else if (!typeEquals(first, t) && t.kind !== "dynamic" && first.kind !== "dynamic") {
      throw new ConversionError(`${typeString(first)} is required`, [...path, { index: k }]);
    }
  }
  return mapVal(elems, commonItemType([...elems.values()]));
}

function mapToObject(mapEty: HclType, outT: Extract<HclType, { kind: "object" }>, unsafe: boolean): Conversion | undefined {
  const optional = new Set(outT.optional ?? []);
  const convs = new Map<string, Conversion>();
  for (const [name, aty] of Object.entries(outT.attributes)) {
    if (typeEquals(aty, mapEty)) continue;
    const conv = getConversion(mapEty, aty, unsafe);
    if (!conv) return undefined;
    convs.set(name, conv);
  }
  return (v, path) => {
    if (v.kind !== "map") throw new Error("map conversion of a non-map");
    const attrs = new Map<string, Value>();
    for (const name of Object.keys(outT.attributes).sort(compareKeys)) {
      const item = v.attrs.get(name);
      if (item === undefined) {
        if (!optional.has(name)) throw new ConversionError(`attribute "${name}" is required`, path);
        attrs.set(name, nullVal(outT.attributes[name]));
        continue;
      }
      const conv = convs.get(name);
      attrs.set(name, conv ? conv(item, [...path, { attr: name }]) : item);
    }
    return objectVal(attrs);
  };
}

// ---------------------------------------------------------------------------------------------
// Unification: the most general type all the given types convert to (cty's convert.Unify)

/** cty's convert.UnifyUnsafe (unsafe = true) or Unify; undefined when the types have nothing in common. */
export function unify(types: HclType[], unsafe = true): HclType | undefined {
  if (types.length === 0) return undefined;
  let maps = 0;
  let objects = 0;
  let tuples = 0;
  let dynamics = 0;
  for (const t of types) {
    if (t.kind === "map") maps++;
    else if (t.kind === "object") objects++;
    else if (t.kind === "tuple") tuples++;
    else if (t.kind === "dynamic") dynamics++;
  }
  if (maps > 0 && maps + dynamics === types.length) return dynamics > 0 ? dynamicType : unifyMaps(types, unsafe);
  if (objects > 0 && objects + dynamics === types.length) return dynamics > 0 ? dynamicType : unifyObjects(types, unsafe);
  if (tuples > 0 && tuples + dynamics === types.length) return dynamics > 0 ? dynamicType : unifyTuples(types, unsafe);
  if (objects > 0 && tuples > 0) return undefined;

  for (const want of preferenceOrder(types)) {
    if (types.every((t) => typeEquals(t, want) || getConversion(t, want, unsafe) !== undefined)) return want;
  }
  return undefined;
}

function allConvert(types: HclType[], to: HclType, unsafe: boolean): boolean {
  return types.every((t) => typeEquals(t, to) || getConversion(t, to, unsafe) !== undefined);
}

function unifyMaps(types: HclType[], unsafe: boolean): HclType | undefined {
  const ety = unify(
    types.map((t) => (t as { element: HclType }).element),
    unsafe,
  );
  if (!ety) return undefined;
  const ret = mapType(ety);
  return allConvert(types, ret, unsafe) ? ret : undefined;
}

function unifyObjects(types: HclType[], unsafe: boolean): HclType | undefined {
  const objs = types as Extract<HclType, { kind: "object" }>[];
  const first = Object.keys(objs[0].attributes);
  const sameNames = objs.every((o) => {
    const names = Object.keys(o.attributes);
    return names.length === first.length && names.every((n) => Object.hasOwn(objs[0].attributes, n));
  });
  if (!sameNames) return unifyObjectsToMap(objs, unsafe);
  const attributes: [string, HclType][] = [];
  for (const name of first) {
    const t = unify(
      objs.map((o) => o.attributes[name]),
      unsafe,
    );
    if (!t) return undefined;
    attributes.push([name, t]);
  }
  const ret = objectType(attributeRecord(attributes));
  return allConvert(types, ret, unsafe) ? ret : unifyObjectsToMap(objs, unsafe);
}

function unifyObjectsToMap(objs: Extract<HclType, { kind: "object" }>[], unsafe: boolean): HclType | undefined {
  const ety = unify(
    objs.flatMap((o) => Object.values(o.attributes)),
    unsafe,
  );
  if (!ety) return undefined;
  const ret = mapType(ety);
  return allConvert(objs, ret, unsafe) ? ret : undefined;
}

function unifyTuples(types: HclType[], unsafe: boolean): HclType | undefined {
  const tuples = types as Extract<HclType, { kind: "tuple" }>[];
  const n = tuples[0].elements.length;
  if (!tuples.every((t) => t.elements.length === n)) return unifyTuplesToList(tuples, unsafe);
  const elements: HclType[] = [];
  for (let i = 0; i < n; i++) {
    const t = unify(
      tuples.map((tu) => tu.elements[i]),
      unsafe,
    );
    if (!t) return undefined;
    elements.push(t);
  }
  const ret = tupleType(elements);
  return allConvert(types, ret, unsafe) ? ret : unifyTuplesToList(tuples, unsafe);
}

function unifyTuplesToList(tuples: Extract<HclType, { kind: "tuple" }>[], unsafe: boolean): HclType | undefined {
  const ety = unify(
    tuples.flatMap((t) => t.elements),
    unsafe,
  );
  if (!ety) return undefined;
  const ret = listType(ety);
  return allConvert(tuples, ret, unsafe) ? ret : undefined;
}

/** Candidate targets, most general first (cty's sortTypes over compareTypes): string before number/bool. */
function preferenceOrder(types: HclType[]): HclType[] {
  const order = types.map((t, i) => ({ t, i }));
  order.sort((a, b) => compareTypes(a.t, b.t) || a.i - b.i);
  return order.map((o) => o.t);
}

/** Negative when a is preferred (more general) as a unification target. */
function compareTypes(a: HclType, b: HclType): number {
  if (a.kind === "dynamic" || b.kind === "dynamic") {
    if (a.kind !== "dynamic") return -1;
    if (b.kind !== "dynamic") return 1;
    return 0;
  }
  if (isPrimitiveType(a) && isPrimitiveType(b)) {
    if (a.kind === "string" || b.kind === "string") {
      if (a.kind !== "string") return 1;
      if (b.kind !== "string") return -1;
    }
    return 0;
  }
  if ((a.kind === "list" && b.kind === "list") || (a.kind === "set" && b.kind === "set") || (a.kind === "map" && b.kind === "map")) {
    return compareTypes((a as { element: HclType }).element, (b as { element: HclType }).element);
  }
  if (a.kind === "set" && (b.kind === "tuple" || b.kind === "list")) return -1;
  if (b.kind === "set" && (a.kind === "tuple" || a.kind === "list")) return 1;
  if (a.kind === "list" && b.kind === "tuple") return -1;
  if (b.kind === "list" && a.kind === "tuple") return 1;
  if (a.kind === "map" && b.kind === "object") return -1;
  if (b.kind === "map" && a.kind === "object") return 1;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Mismatch messages (cty's convert.MismatchMessage)

/** Why `got` does not convert to `want`, in cty's words. */
export function mismatchMessage(got: HclType, want: HclType): string {
  if (got.kind === "object" && want.kind === "object") return mismatchObjects(got, want);
  if (got.kind === "tuple" && want.kind === "list" && want.element.kind === "dynamic") return "all list elements must have the same type";
  if (got.kind === "tuple" && want.kind === "set" && want.element.kind === "dynamic") return "all set elements must have the same type";
  if (got.kind === "object" && want.kind === "map" && want.element.kind === "dynamic") return "all map elements must have the same type";
  const isCollection = (t: HclType) => t.kind === "list" || t.kind === "set" || t.kind === "map";
  if ((got.kind === "tuple" || got.kind === "object") && isCollection(want)) return mismatchCollectionFromStructural(got, want);
  if (isCollection(got) && isCollection(want)) return mismatchCollections(got, want);
  return `${typeStringForConstraint(want)} required`;
}

function mismatchObjects(got: Extract<HclType, { kind: "object" }>, want: Extract<HclType, { kind: "object" }>): string {
  const optional = new Set(want.optional ?? []);
  const missing: string[] = [];
  let unsafeMismatch = "";
  let safeMismatch = "";
  for (const name of Object.keys(want.attributes).sort(compareKeys)) {
    const wantAty = want.attributes[name];
    const gotAty = attributeType(got, name);
    if (!gotAty) {
      if (!optional.has(name)) missing.push(name);
      continue;
    }
    if (!unsafeMismatch && !canConvert(gotAty, wantAty)) unsafeMismatch = `attribute "${name}": ${mismatchMessage(gotAty, wantAty)}`;
    if (!safeMismatch && !canConvert(gotAty, wantAty, true)) safeMismatch = `attribute "${name}": ${mismatchMessage(gotAty, wantAty)}`;
  }
  if (missing.length === 1) return `attribute "${missing[0]}" is required`;
  if (missing.length === 2) return `attributes "${missing[0]}" and "${missing[1]}" are required`;
  if (missing.length > 2) {
    const head = missing.slice(0, -1).map((n) => `"${n}", `).join("");
    return `attributes ${head}and "${missing[missing.length - 1]}" are required`;
  }
  return unsafeMismatch || safeMismatch || "incorrect object attributes";
}

function mismatchCollectionFromStructural(got: HclType, want: HclType): string {
  if ((want.kind === "list" || want.kind === "set") && got.kind !== "tuple") return `${typeStringForConstraint(want)} required`;
  if (want.kind === "map" && got.kind !== "object") return `${typeStringForConstraint(want)} required`;
  const wantEty = (want as { element: HclType }).element;
  if (got.kind === "tuple") {
    for (let i = 0; i < got.elements.length; i++) {
      const t = got.elements[i];
      if (typeEquals(t, wantEty) || getConversion(t, wantEty, true)) continue;
      return `element ${i}: ${mismatchMessage(t, wantEty)}`;
    }
  } else if (got.kind === "object") {
    for (const name of Object.keys(got.attributes).sort(compareKeys)) {
      const t = got.attributes[name];
      if (typeEquals(t, wantEty) || getConversion(t, wantEty, true)) continue;
      return `element "${name}": ${mismatchMessage(t, wantEty)}`;
    }
  }
  return `all elements must be ${typeStringForConstraint(wantEty)}`;
}

function mismatchCollections(got: HclType, want: HclType): string {
  if ((want.kind === "list" || want.kind === "set") && !(got.kind === "list" || got.kind === "set")) return `${typeStringForConstraint(want)} required`;
  if (want.kind === "map" && got.kind !== "map") return `${typeStringForConstraint(want)} required`;
  const noun = `${want.kind} element type`;
  return `incorrect ${noun}: ${mismatchMessage((got as { element: HclType }).element, (want as { element: HclType }).element)}`;
}

