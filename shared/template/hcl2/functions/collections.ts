/**
 * Collection functions (cty stdlib collection.go, sequence.go, set.go; go-cty-funcs coalesce;
 * Packer's length, index, alltrue, anytrue; Terraform's one, transpose, setsubtract). Result
 * types follow cty: tuples stay tuples, objects stay objects, maps and lists keep their element type.
 */
import type { HclFunction, HclType, Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { wholeNumber } from "./strings.js";
import { graphemes } from "./text-segments.js";
import { boolType, boolVal, compareKeys, ConversionError, convert, dynamicType, listType, listVal, mapType, mapVal, numberType, numberVal, objectVal, rawEquals, setType, setVal, stringType, stringVal, tupleVal, typeEquals, typeOf, typeString, unify, unknownVal } from "../value/index.js";

type Seq = Extract<Value, { items: Value[] }>;
type Keyed = Extract<Value, { attrs: Map<string, Value> }>;

/** cty's UnifyUnsafe, where no types at all unify to dynamic. */
const unifyOrDynamic = (types: HclType[]): HclType | undefined => (types.length === 0 ? dynamicType : unify(types));

const isSeq = (v: Value): v is Seq => v.kind === "list" || v.kind === "set" || v.kind === "tuple";
const isKeyed = (v: Value): v is Keyed => v.kind === "map" || v.kind === "object";

/** Map/object entries in cty's order (keys sorted). */
function entries(v: Keyed): [string, Value][] {
  return [...v.attrs.keys()].sort(compareKeys).map((k) => [k, v.attrs.get(k)!]);
}

function convertOrFail(v: Value, t: HclType, argIndex?: number): Value {
  try {
    return convert(v, t);
  } catch (e) {
    if (e instanceof ConversionError) fail(e.message, argIndex);
    throw e;
  }
}

const setOperation = (op: (a: Value[], b: Value[]) => Value[]): HclFunction =>
  defineFunction({
    params: [{ name: "first_set", type: setType(dynamicType) }],
    variadic: { name: "other_sets", type: setType(dynamicType) },
    returnType: (args) => setType(unifyOrDynamic(args.map((a) => (a.kind === "set" ? a.element : dynamicType))) ?? dynamicType),
    impl(args) {
      const et = unifyOrDynamic(args.map((a) => (a as Seq & { element: HclType }).element));
      if (!et) fail("given sets must all have compatible element types");
      const sets = args.map((a, i) => (convertOrFail(a, setType(et), i) as Seq).items);
      return setVal(sets.slice(1).reduce(op, sets[0]!), et);
    },
  });

const has = (items: Value[], v: Value): boolean => items.some((i) => rawEquals(i, v));

export const collectionFunctions: Record<string, HclFunction> = {
  length: defineFunction({
    params: [{ name: "value", type: dynamicType, allowUnknown: true }],
    returnType: numberType,
    impl([v]) {
      if (v!.kind === "unknown") return unknownVal(numberType);
      if (v!.kind === "string") return numberVal(graphemes(v!.value).length);
      if (isSeq(v!)) return numberVal(v.items.length);
      if (isKeyed(v!)) return numberVal(v.attrs.size);
      fail("argument must be a string, a collection type, or a structural type");
    },
  }),
  concat: defineFunction({
    params: [],
    variadic: { name: "seqs", type: dynamicType },
    impl(args) {
      if (args.length === 0) fail("at least one argument is required");
      args.forEach((a, i) => {
        if (a.kind !== "list" && a.kind !== "tuple") fail(`all arguments must be lists or tuples; got ${typeString(typeOf(a))}`, i);
      });
      const items = args.flatMap((a) => (a as Seq).items);
      if (args.every((a) => a.kind === "list")) {
        const et = unifyOrDynamic(args.map((a) => (a as Seq & { element: HclType }).element));
        if (et) return listVal(items.map((i) => convert(i, et)), et);
      }
      return tupleVal(items);
    },
  }),
  flatten: defineFunction({
    params: [{ name: "list", type: dynamicType }],
    impl([v]) {
      if (!isSeq(v!)) fail("can only flatten lists, sets and tuples");
      const flat = (s: Seq): Value[] => s.items.flatMap((i) => (isSeq(i) ? flat(i) : [i]));
      return tupleVal(flat(v));
    },
  }),
  distinct: defineFunction({
    params: [{ name: "list", type: listType(dynamicType) }],
    returnType: (args) => typeOf(args[0]!),
    impl([v]) {
      const l = v as Seq & { element: HclType };
      const out: Value[] = [];
      for (const i of l.items) if (!has(out, i)) out.push(i);
      return listVal(out, l.element);
    },
  }),
  chunklist: defineFunction({
    params: [
      { name: "list", type: listType(dynamicType) },
      { name: "size", type: numberType },
    ],
    returnType: (args) => listType(typeOf(args[0]!)),
    impl([v, s]) {
      const l = v as Seq & { element: HclType };
      if (l.items.length === 0) return listVal([], listType(l.element));
      const size = wholeNumber(s, undefined, "invalid index: ");
      if (size < 0) fail("the size argument must be positive");
      if (size === 0) return listVal([l], listType(l.element));
      const out: Value[] = [];
      for (let i = 0; i < l.items.length; i += size) out.push(listVal(l.items.slice(i, i + size), l.element));
      return listVal(out, listType(l.element));
    },
  }),
  coalesce: defineFunction({
    params: [],
    variadic: { name: "vals", type: dynamicType, allowNull: true, allowUnknown: true },
    returnType: (args) => unifyOrDynamic(args.map(typeOf)) ?? dynamicType,
    impl(args) {
      const t = unifyOrDynamic(args.map(typeOf));
      if (!t) fail("all arguments must have the same type");
      for (const a of args) {
        const v = convert(a, t);
        if (v.kind === "unknown") return unknownVal(t);
        if (v.kind === "null") continue;
        if (v.kind === "string" && v.value === "") continue;
        return v;
      }
      fail("no non-null, non-empty-string arguments");
    },
  }),
  coalescelist: defineFunction({
    params: [],
    variadic: { name: "vals", type: dynamicType, allowNull: true, allowUnknown: true },
    impl(args) {
      if (args.length === 0) fail("at least one argument is required");
      for (const a of args) {
        if (a.kind === "unknown") return unknownVal(dynamicType);
        if (a.kind !== "list" && a.kind !== "tuple") fail("coalescelist arguments must be lists or tuples");
        if (a.items.length > 0) return a;
      }
      fail("no non-null arguments");
    },
  }),
  compact: defineFunction({
    params: [{ name: "list", type: listType(stringType) }],
    returnType: listType(stringType),
    impl: ([v]) => listVal((v as Seq).items.filter((i) => i.kind === "string" && i.value !== ""), stringType),
  }),
  contains: defineFunction({
    params: [
      { name: "list", type: dynamicType },
      { name: "value", type: dynamicType },
    ],
    returnType: boolType,
    impl([l, v]) {
      if (!isSeq(l!)) fail("argument must be list, tuple, or set");
      return boolVal(l.items.some((i) => rawEquals(i, v!)));
    },
  }),
  element: defineFunction({
    params: [
      { name: "list", type: dynamicType },
      { name: "index", type: numberType },
    ],
    impl([l, i]) {
      if (l!.kind !== "list" && l!.kind !== "tuple") fail(`cannot read elements from ${typeString(typeOf(l!))}`);
      const n = wholeNumber(i, undefined, "invalid index: ");
      if (l.items.length === 0) fail("cannot use element function with an empty list");
      if (n < 0) fail("cannot use element function with a negative index");
      return l.items[n % l.items.length]!;
    },
  }),
  index: defineFunction({
    params: [
      { name: "list", type: dynamicType },
      { name: "value", type: dynamicType },
    ],
    returnType: numberType,
    impl([l, v]) {
      if (l!.kind !== "list" && l!.kind !== "tuple") fail("argument must be a list or tuple");
      if (l.items.length === 0) fail("cannot search an empty list");
      const at = l.items.findIndex((i) => rawEquals(i, v!));
      if (at < 0) fail("item not found");
      return numberVal(at);
    },
  }),
  keys: defineFunction({
    params: [{ name: "inputMap", type: dynamicType }],
    impl([m]) {
      if (m!.kind === "map") return listVal([...m!.attrs.keys()].sort(compareKeys).map(stringVal), stringType);
      if (m!.kind === "object") return tupleVal([...m!.attrs.keys()].sort(compareKeys).map(stringVal));
      fail("must have map or object type", 0);
    },
  }),
  values: defineFunction({
    params: [{ name: "values", type: dynamicType }],
    impl([m]) {
      if (m!.kind === "map") return listVal(entries(m!).map(([, v]) => v), m!.element);
      if (m!.kind === "object") return tupleVal(entries(m!).map(([, v]) => v));
      fail("values() requires a map as the first argument");
    },
  }),
  lookup: defineFunction({
    params: [
      { name: "inputMap", type: dynamicType },
      { name: "key", type: stringType },
      { name: "default", type: dynamicType },
    ],
    impl([m, k, d]) {
      const key = (k as { value: string }).value;
      if (m!.kind === "object") {
        const hit = m!.attrs.get(key);
        if (hit) return hit;
        return d!;
      }
      if (m!.kind === "map") {
        let dflt: Value;
        try {
          dflt = convert(d!, m!.element);
        } catch {
          fail("the default value must have the same type as the map elements", 2);
        }
        return m!.attrs.get(key) ?? dflt;
      }
      fail("lookup() requires a map as the first argument", 0);
    },
  }),
  merge: defineFunction({
    params: [],
    variadic: { name: "maps", type: dynamicType, allowNull: true },
    impl(args) {
      // cty 1.4: no maps, or only null ones, merge to a null object.
      if (args.every((a) => a.kind === "null")) return { kind: "null", type: args.length === 0 ? { kind: "object", attributes: {} } : typeOf(args[0]!) };
      for (const a of args) {
        if (a.kind === "null" && (a.type.kind === "map" || a.type.kind === "object" || a.type.kind === "dynamic")) continue;
        if (!isKeyed(a)) fail(`arguments must be maps or objects, got ${JSON.stringify(typeString(typeOf(a)))}`);
      }
      const present = args.filter(isKeyed);
      const out = new Map<string, Value>();
      for (const a of present) for (const [k, v] of a.attrs) out.set(k, v);
      const first = typeOf(args[0]!);
      if (first.kind === "map" && args.every((a) => typeEquals(typeOf(a), first))) return mapVal(out, first.element);
      return objectVal(out);
    },
  }),
  range: defineFunction({
    params: [],
    variadic: { name: "params", type: numberType },
    returnType: listType(numberType),
    impl(args) {
      const n = args.map((a) => (a as { value: number }).value);
      let start = 0;
      let end: number;
      let step = 1;
      if (n.length === 1) [end, step] = [n[0]!, n[0]! < 0 ? -1 : 1];
      else if (n.length === 2) [start, end, step] = [n[0]!, n[1]!, n[1]! < n[0]! ? -1 : 1];
      else if (n.length === 3) [start, end, step] = [n[0]!, n[1]!, n[2]!];
      else fail("must have one, two, or three arguments");
      // cty 1.4's zero-step check never matches (it compares Go structs), so a zero step runs
      // into the 1024-value limit instead; Packer 1.6.6 says that, and so do we.
      const down = step < 0;
      if (down && start < end) fail("end must be less than start when step is negative", 1);
      if (!down && start > end) fail("end must be greater than start when step is positive", 1);
      const out: Value[] = [];
      // cty steps in exact decimals (big.Float); start + i*step rounded to 15 significant digits
      // gives the same values where float64 accumulation would drift (0.1 * 3 = 0.30000000000000004).
      for (let i = 0, v = start; down ? v > end : v < end; i++, v = Number((start + i * step).toPrecision(15))) {
        if (out.length >= 1024) fail("more than 1024 values were generated; either decrease the difference between start and end or use a smaller step");
        out.push(numberVal(v));
      }
      return listVal(out, numberType);
    },
  }),
  reverse: defineFunction({
    params: [{ name: "list", type: dynamicType }],
    impl([l]) {
      if (l!.kind === "tuple") return tupleVal([...l!.items].reverse());
      if (l!.kind === "list" || l!.kind === "set") return listVal([...l!.items].reverse(), l!.element);
      fail(`can only reverse list or tuple values, not ${typeString(typeOf(l!))}`, 0);
    },
  }),
  setproduct: defineFunction({
    params: [],
    variadic: { name: "sets", type: dynamicType },
    impl(args) {
      if (args.length < 2) fail("at least two arguments are required");
      let lists = 0;
      const etys = args.map((a, i) => {
        if (a.kind === "set") return a.element;
        if (a.kind === "list") {
          lists++;
          return a.element;
        }
        if (a.kind === "tuple") {
          lists++;
          if (a.items.length === 0) return dynamicType;
          const u = unifyOrDynamic(a.items.map(typeOf));
          if (!u) fail("all elements must be of the same type", i);
          return u;
        }
        fail("a set or a list is required", i);
      });
      const et: HclType = { kind: "tuple", elements: etys };
      let rows: Value[][] = [[]];
      args.forEach((a, j) => {
        rows = rows.flatMap((r) => (a as Seq).items.map((v) => [...r, convert(v, etys[j]!)]));
      });
      const items = rows.map(tupleVal);
      return lists === args.length ? listVal(items, et) : setVal(items, et);
    },
  }),
  setunion: setOperation((a, b) => [...a, ...b.filter((v) => !has(a, v))]),
  setintersection: setOperation((a, b) => a.filter((v) => has(b, v))),
  setsubtract: defineFunction({
    params: [
      { name: "a", type: setType(dynamicType) },
      { name: "b", type: setType(dynamicType) },
    ],
    impl([a, b]) {
      const et = unifyOrDynamic([(a as { element: HclType }).element, (b as { element: HclType }).element]);
      if (!et) fail("given sets must all have compatible element types");
      const bi = (convert(b!, setType(et)) as Seq).items;
      return setVal((convert(a!, setType(et)) as Seq).items.filter((v) => !has(bi, v)), et);
    },
  }),
  slice: defineFunction({
    params: [
      { name: "list", type: dynamicType },
      { name: "start_index", type: numberType },
      { name: "end_index", type: numberType },
    ],
    impl([l, s, e]) {
      if (l!.kind === "set") fail("cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important", 0);
      if (l!.kind !== "list" && l!.kind !== "tuple") fail("must be a list or tuple value", 0);
      const len = l.items.length;
      const start = (s as { value: number }).value;
      const end = (e as { value: number }).value;
      if (!Number.isInteger(start)) wholeNumber(s, 1, "invalid start index: ");
      if (start < 0) fail("start index must not be less than zero", 1);
      if (start > len) fail("start index must not be greater than the length of the list", 1);
      if (!Number.isInteger(end)) wholeNumber(e, 2, "invalid end index: ");
      if (end < 0) fail("end index must not be less than zero", 2);
      if (end > len) fail("end index must not be greater than the length of the list", 2);
      if (start > end) fail("start index must not be greater than end index", 1);
      const items = l.items.slice(start, end);
      return l.kind === "tuple" ? tupleVal(items) : listVal(items, l.element);
    },
  }),
  sort: defineFunction({
    params: [{ name: "list", type: listType(stringType) }],
    returnType: listType(stringType),
    impl([l]) {
      const items = (l as Seq).items;
      items.forEach((i, n) => {
        if (i.kind === "null") fail(`given list element ${n} is null; a null string cannot be sorted`);
      });
      return listVal([...items].sort((a, b) => compareKeys((a as { value: string }).value, (b as { value: string }).value)), stringType);
    },
  }),
  zipmap: defineFunction({
    params: [
      { name: "keys", type: listType(stringType) },
      { name: "values", type: dynamicType },
    ],
    impl([k, v]) {
      const keys = (k as Seq).items;
      if (v!.kind !== "list" && v!.kind !== "tuple") fail("values argument must be a list or tuple value");
      if (keys.length !== v.items.length) fail(`number of keys (${keys.length}) does not match number of values (${v.items.length})`);
      const out = new Map<string, Value>();
      keys.forEach((key, i) => {
        if (key.kind === "null") fail(`keys list has null value at index ${i}`);
        out.set((key as { value: string }).value, v.items[i]!);
      });
      return v.kind === "list" ? mapVal(out, v.element) : objectVal(out);
    },
  }),
  transpose: defineFunction({
    params: [{ name: "values", type: mapType(listType(stringType)) }],
    returnType: mapType(listType(stringType)),
    impl([m]) {
      const out = new Map<string, string[]>();
      for (const [k, l] of entries(m as Keyed)) {
        for (const item of (l as Seq).items) {
          if (item.kind === "null") fail("transpose: values must not be null");
          const key = (item as { value: string }).value;
          out.set(key, [...(out.get(key) ?? []), k]);
        }
      }
      const attrs = new Map<string, Value>();
      for (const key of [...out.keys()].sort(compareKeys)) attrs.set(key, listVal(out.get(key)!.sort(compareKeys).map(stringVal), stringType));
      return mapVal(attrs, listType(stringType));
    },
  }),
  one: defineFunction({
    params: [{ name: "list", type: dynamicType }],
    impl([l]) {
      if (!isSeq(l!)) fail("must be a list, set, or tuple value with either zero or one elements", 0);
      if (l.items.length > 1) fail("must be a list, set, or tuple value with either zero or one elements", 0);
      if (l.items.length === 1) return l.items[0]!;
      return { kind: "null", type: l.kind === "tuple" ? dynamicType : l.element };
    },
  }),
  alltrue: defineFunction({
    params: [{ name: "list", type: listType(boolType) }],
    returnType: boolType,
    impl: ([l]) => boolVal((l as Seq).items.every((i) => i.kind === "bool" && i.value)),
  }),
  anytrue: defineFunction({
    params: [{ name: "list", type: listType(boolType) }],
    returnType: boolType,
    impl: ([l]) => boolVal((l as Seq).items.some((i) => i.kind === "bool" && i.value)),
  }),
};
