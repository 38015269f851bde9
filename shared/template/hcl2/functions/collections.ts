/**
 * Collection functions (cty stdlib collection.go, sequence.go, set.go; go-cty-funcs coalesce;
 * Packer's length, index, alltrue, anytrue; Terraform's one, transpose, setsubtract). Result
 * types follow cty: tuples stay tuples, objects stay objects, maps and lists keep their element type.
 */
import type { HclFunction, HclType, Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { wholeNumber } from "./strings.js";
import { graphemes } from "./text-segments.js";
import {
  BOOL,
  bool,
  compareStrings,
  convert,
  ConversionError,
  DYNAMIC,
  friendlyTypeName,
  list,
  listOf,
  map,
  mapOf,
  NUMBER,
  num,
  object,
  set,
  setOf,
  sortedKeys,
  STRING,
  str,
  tuple,
  typeOf,
  typesEqual,
  unifyTypes,
  unknownOf,
  valuesEqual,
} from "./value-stand-in.js";

type Seq = Extract<Value, { items: Value[] }>;
type Keyed = Extract<Value, { attrs: Map<string, Value> }>;

const isSeq = (v: Value): v is Seq => v.kind === "list" || v.kind === "set" || v.kind === "tuple";
const isKeyed = (v: Value): v is Keyed => v.kind === "map" || v.kind === "object";

/** Map/object entries in cty's order (keys sorted). */
function entries(v: Keyed): [string, Value][] {
  return sortedKeys(v.attrs).map((k) => [k, v.attrs.get(k)!]);
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
    params: [{ name: "first_set", type: setOf(DYNAMIC) }],
    variadic: { name: "other_sets", type: setOf(DYNAMIC) },
    returnType: (args) => setOf(unifyTypes(args.map((a) => (a.kind === "set" ? a.element : DYNAMIC))) ?? DYNAMIC),
    impl(args) {
      const et = unifyTypes(args.map((a) => (a as Seq & { element: HclType }).element));
      if (!et) fail("given sets must all have compatible element types");
      const sets = args.map((a, i) => (convertOrFail(a, setOf(et), i) as Seq).items);
      return set(et, sets.slice(1).reduce(op, sets[0]!));
    },
  });

const has = (items: Value[], v: Value): boolean => items.some((i) => valuesEqual(i, v));

export const collectionFunctions: Record<string, HclFunction> = {
  length: defineFunction({
    params: [{ name: "value", type: DYNAMIC, allowUnknown: true }],
    returnType: NUMBER,
    impl([v]) {
      if (v!.kind === "unknown") return unknownOf(NUMBER);
      if (v!.kind === "string") return num(graphemes(v!.value).length);
      if (isSeq(v!)) return num(v.items.length);
      if (isKeyed(v!)) return num(v.attrs.size);
      fail("argument must be a string, a collection type, or a structural type");
    },
  }),
  concat: defineFunction({
    params: [],
    variadic: { name: "seqs", type: DYNAMIC },
    impl(args) {
      if (args.length === 0) fail("at least one argument is required");
      args.forEach((a, i) => {
        if (a.kind !== "list" && a.kind !== "tuple") fail(`all arguments must be lists or tuples; got ${friendlyTypeName(typeOf(a))}`, i);
      });
      const items = args.flatMap((a) => (a as Seq).items);
      if (args.every((a) => a.kind === "list")) {
        const et = unifyTypes(args.map((a) => (a as Seq & { element: HclType }).element));
        if (et) return list(et, items.map((i) => convert(i, et)));
      }
      return tuple(items);
    },
  }),
  flatten: defineFunction({
    params: [{ name: "list", type: DYNAMIC }],
    impl([v]) {
      if (!isSeq(v!)) fail("can only flatten lists, sets and tuples");
      const flat = (s: Seq): Value[] => s.items.flatMap((i) => (isSeq(i) ? flat(i) : [i]));
      return tuple(flat(v));
    },
  }),
  distinct: defineFunction({
    params: [{ name: "list", type: listOf(DYNAMIC) }],
    returnType: (args) => typeOf(args[0]!),
    impl([v]) {
      const l = v as Seq & { element: HclType };
      const out: Value[] = [];
      for (const i of l.items) if (!has(out, i)) out.push(i);
      return list(l.element, out);
    },
  }),
  chunklist: defineFunction({
    params: [
      { name: "list", type: listOf(DYNAMIC) },
      { name: "size", type: NUMBER },
    ],
    returnType: (args) => listOf(typeOf(args[0]!)),
    impl([v, s]) {
      const l = v as Seq & { element: HclType };
      if (l.items.length === 0) return list(listOf(l.element), []);
      const size = wholeNumber(s, undefined, "invalid index: ");
      if (size < 0) fail("the size argument must be positive");
      if (size === 0) return list(listOf(l.element), [l]);
      const out: Value[] = [];
      for (let i = 0; i < l.items.length; i += size) out.push(list(l.element, l.items.slice(i, i + size)));
      return list(listOf(l.element), out);
    },
  }),
  coalesce: defineFunction({
    params: [],
    variadic: { name: "vals", type: DYNAMIC, allowNull: true, allowUnknown: true },
    returnType: (args) => unifyTypes(args.map(typeOf)) ?? DYNAMIC,
    impl(args) {
      const t = unifyTypes(args.map(typeOf));
      if (!t) fail("all arguments must have the same type");
      for (const a of args) {
        const v = convert(a, t);
        if (v.kind === "unknown") return unknownOf(t);
        if (v.kind === "null") continue;
        if (v.kind === "string" && v.value === "") continue;
        return v;
      }
      fail("no non-null, non-empty-string arguments");
    },
  }),
  coalescelist: defineFunction({
    params: [],
    variadic: { name: "vals", type: DYNAMIC, allowNull: true, allowUnknown: true },
    impl(args) {
      if (args.length === 0) fail("at least one argument is required");
      for (const a of args) {
        if (a.kind === "unknown") return unknownOf(DYNAMIC);
        if (a.kind !== "list" && a.kind !== "tuple") fail("coalescelist arguments must be lists or tuples");
        if (a.items.length > 0) return a;
      }
      fail("no non-null arguments");
    },
  }),
  compact: defineFunction({
    params: [{ name: "list", type: listOf(STRING) }],
    returnType: listOf(STRING),
    impl: ([v]) => list(STRING, (v as Seq).items.filter((i) => i.kind === "string" && i.value !== "")),
  }),
  contains: defineFunction({
    params: [
      { name: "list", type: DYNAMIC },
      { name: "value", type: DYNAMIC },
    ],
    returnType: BOOL,
    impl([l, v]) {
      if (!isSeq(l!)) fail("argument must be list, tuple, or set");
      return bool(l.items.some((i) => valuesEqual(i, v!)));
    },
  }),
  element: defineFunction({
    params: [
      { name: "list", type: DYNAMIC },
      { name: "index", type: NUMBER },
    ],
    impl([l, i]) {
      if (l!.kind !== "list" && l!.kind !== "tuple") fail(`cannot read elements from ${friendlyTypeName(typeOf(l!))}`);
      const n = wholeNumber(i, undefined, "invalid index: ");
      if (l.items.length === 0) fail("cannot use element function with an empty list");
      if (n < 0) fail("cannot use element function with a negative index");
      return l.items[n % l.items.length]!;
    },
  }),
  index: defineFunction({
    params: [
      { name: "list", type: DYNAMIC },
      { name: "value", type: DYNAMIC },
    ],
    returnType: NUMBER,
    impl([l, v]) {
      if (l!.kind !== "list" && l!.kind !== "tuple") fail("argument must be a list or tuple");
      if (l.items.length === 0) fail("cannot search an empty list");
      const at = l.items.findIndex((i) => valuesEqual(i, v!));
      if (at < 0) fail("item not found");
      return num(at);
    },
  }),
  keys: defineFunction({
    params: [{ name: "inputMap", type: DYNAMIC }],
    impl([m]) {
      if (m!.kind === "map") return list(STRING, sortedKeys(m!.attrs).map(str));
      if (m!.kind === "object") return tuple(sortedKeys(m!.attrs).map(str));
      fail("must have map or object type", 0);
    },
  }),
  values: defineFunction({
    params: [{ name: "values", type: DYNAMIC }],
    impl([m]) {
      if (m!.kind === "map") return list(m!.element, entries(m!).map(([, v]) => v));
      if (m!.kind === "object") return tuple(entries(m!).map(([, v]) => v));
      fail("values() requires a map as the first argument");
    },
  }),
  lookup: defineFunction({
    params: [
      { name: "inputMap", type: DYNAMIC },
      { name: "key", type: STRING },
      { name: "default", type: DYNAMIC },
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
    variadic: { name: "maps", type: DYNAMIC, allowNull: true },
    impl(args) {
      // cty 1.4: no maps, or only null ones, merge to a null object.
      if (args.every((a) => a.kind === "null")) return { kind: "null", type: args.length === 0 ? { kind: "object", attributes: {} } : typeOf(args[0]!) };
      for (const a of args) {
        if (a.kind === "null" && (a.type.kind === "map" || a.type.kind === "object" || a.type.kind === "dynamic")) continue;
        if (!isKeyed(a)) fail(`arguments must be maps or objects, got ${JSON.stringify(friendlyTypeName(typeOf(a)))}`);
      }
      const present = args.filter(isKeyed);
      const out = new Map<string, Value>();
      for (const a of present) for (const [k, v] of a.attrs) out.set(k, v);
      const first = typeOf(args[0]!);
      if (first.kind === "map" && args.every((a) => typesEqual(typeOf(a), first))) return map(first.element, out);
      return object(out);
    },
  }),
  range: defineFunction({
    params: [],
    variadic: { name: "params", type: NUMBER },
    returnType: listOf(NUMBER),
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
        out.push(num(v));
      }
      return list(NUMBER, out);
    },
  }),
  reverse: defineFunction({
    params: [{ name: "list", type: DYNAMIC }],
    impl([l]) {
      if (l!.kind === "tuple") return tuple([...l!.items].reverse());
      if (l!.kind === "list" || l!.kind === "set") return list(l!.element, [...l!.items].reverse());
      fail(`can only reverse list or tuple values, not ${friendlyTypeName(typeOf(l!))}`, 0);
    },
  }),
  setproduct: defineFunction({
    params: [],
    variadic: { name: "sets", type: DYNAMIC },
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
          if (a.items.length === 0) return DYNAMIC;
          const u = unifyTypes(a.items.map(typeOf));
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
      const items = rows.map(tuple);
      return lists === args.length ? list(et, items) : set(et, items);
    },
  }),
  setunion: setOperation((a, b) => [...a, ...b.filter((v) => !has(a, v))]),
  setintersection: setOperation((a, b) => a.filter((v) => has(b, v))),
  setsubtract: defineFunction({
    params: [
      { name: "a", type: setOf(DYNAMIC) },
      { name: "b", type: setOf(DYNAMIC) },
    ],
    impl([a, b]) {
      const et = unifyTypes([(a as { element: HclType }).element, (b as { element: HclType }).element]);
      if (!et) fail("given sets must all have compatible element types");
      const bi = (convert(b!, setOf(et)) as Seq).items;
      return set(et, (convert(a!, setOf(et)) as Seq).items.filter((v) => !has(bi, v)));
    },
  }),
  slice: defineFunction({
    params: [
      { name: "list", type: DYNAMIC },
      { name: "start_index", type: NUMBER },
      { name: "end_index", type: NUMBER },
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
      return l.kind === "tuple" ? tuple(items) : list(l.element, items);
    },
  }),
  sort: defineFunction({
    params: [{ name: "list", type: listOf(STRING) }],
    returnType: listOf(STRING),
    impl([l]) {
      const items = (l as Seq).items;
      items.forEach((i, n) => {
        if (i.kind === "null") fail(`given list element ${n} is null; a null string cannot be sorted`);
      });
      return list(STRING, [...items].sort((a, b) => compareStrings((a as { value: string }).value, (b as { value: string }).value)));
    },
  }),
  zipmap: defineFunction({
    params: [
      { name: "keys", type: listOf(STRING) },
      { name: "values", type: DYNAMIC },
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
      return v.kind === "list" ? map(v.element, out) : object(out);
    },
  }),
  transpose: defineFunction({
    params: [{ name: "values", type: mapOf(listOf(STRING)) }],
    returnType: mapOf(listOf(STRING)),
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
      for (const key of [...out.keys()].sort(compareStrings)) attrs.set(key, list(STRING, out.get(key)!.sort(compareStrings).map(str)));
      return map(listOf(STRING), attrs);
    },
  }),
  one: defineFunction({
    params: [{ name: "list", type: DYNAMIC }],
    impl([l]) {
      if (!isSeq(l!)) fail("must be a list, set, or tuple value with either zero or one elements", 0);
      if (l.items.length > 1) fail("must be a list, set, or tuple value with either zero or one elements", 0);
      if (l.items.length === 1) return l.items[0]!;
      return { kind: "null", type: l.kind === "tuple" ? DYNAMIC : l.element };
    },
  }),
  alltrue: defineFunction({
    params: [{ name: "list", type: listOf(BOOL) }],
    returnType: BOOL,
    impl: ([l]) => bool((l as Seq).items.every((i) => i.kind === "bool" && i.value)),
  }),
  anytrue: defineFunction({
    params: [{ name: "list", type: listOf(BOOL) }],
    returnType: BOOL,
    impl: ([l]) => bool((l as Seq).items.some((i) => i.kind === "bool" && i.value)),
  }),
};
