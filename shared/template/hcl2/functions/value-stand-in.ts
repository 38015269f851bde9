/**
 * STAND-IN for ../value (the hcl-eval room's value model), which had not landed when this room was
 * written: constructors, type names, equality and cty's conversion rules, only as far as the
 * function library needs them. Replace the imports of this file by ../value once it exists.
 */
import type { HclType, Value } from "../contract.js";

export const STRING: HclType = { kind: "string" };
export const NUMBER: HclType = { kind: "number" };
export const BOOL: HclType = { kind: "bool" };
export const DYNAMIC: HclType = { kind: "dynamic" };

export const str = (value: string): Value => ({ kind: "string", value });
export const num = (value: number): Value => ({ kind: "number", value });
export const bool = (value: boolean): Value => ({ kind: "bool", value });
export const list = (element: HclType, items: Value[]): Value => ({ kind: "list", element, items });
export const tuple = (items: Value[]): Value => ({ kind: "tuple", items });
export const map = (element: HclType, attrs: Map<string, Value>): Value => ({ kind: "map", element, attrs });
export const object = (attrs: Map<string, Value>): Value => ({ kind: "object", attrs });
export const nullOf = (type: HclType): Value => ({ kind: "null", type });
export const unknownOf = (type: HclType): Value => ({ kind: "unknown", type });
export const listOf = (element: HclType): HclType => ({ kind: "list", element });
export const setOf = (element: HclType): HclType => ({ kind: "set", element });
export const mapOf = (element: HclType): HclType => ({ kind: "map", element });

/** A set value: duplicates removed (cty sets hold each value once), in cty's order. */
export function set(element: HclType, items: Value[]): Value {
  const out: Value[] = [];
  for (const item of items) if (!out.some((o) => valuesEqual(o, item))) out.push(item);
  return { kind: "set", element, items: sortSetItems(out) };
}

/** cty orders set elements: strings lexically, numbers ascending, bools false first; others kept. */
function sortSetItems(items: Value[]): Value[] {
  if (items.length > 0 && items.every((i) => i.kind === "string")) {
    return [...items].sort((a, b) => compareStrings((a as { value: string }).value, (b as { value: string }).value));
  }
  if (items.length > 0 && items.every((i) => i.kind === "number")) {
    return [...items].sort((a, b) => (a as { value: number }).value - (b as { value: number }).value);
  }
  if (items.length > 0 && items.every((i) => i.kind === "bool")) {
    return [...items].sort((a, b) => Number((a as { value: boolean }).value) - Number((b as { value: boolean }).value));
  }
  return items;
}

/** Byte-wise (UTF-8 code point) comparison, as Go compares strings. */
export function compareStrings(a: string, b: string): number {
  const ac = [...a];
  const bc = [...b];
  for (let i = 0; i < Math.min(ac.length, bc.length); i++) {
    const d = ac[i]!.codePointAt(0)! - bc[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ac.length - bc.length;
}

export function typeOf(v: Value): HclType {
  switch (v.kind) {
    case "null":
    case "unknown":
      return v.type;
    case "string":
      return STRING;
    case "number":
      return NUMBER;
    case "bool":
      return BOOL;
    case "list":
      return { kind: "list", element: v.element };
    case "set":
      return { kind: "set", element: v.element };
    case "map":
      return { kind: "map", element: v.element };
    case "tuple":
      return { kind: "tuple", elements: v.items.map(typeOf) };
    case "object": {
      const attributes: Record<string, HclType> = {};
      for (const [k, a] of v.attrs) attributes[k] = typeOf(a);
      return { kind: "object", attributes };
    }
  }
}

export function typesEqual(a: HclType, b: HclType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "list":
    case "set":
    case "map":
      return typesEqual(a.element, (b as typeof a).element);
    case "tuple": {
      const be = (b as typeof a).elements;
      return a.elements.length === be.length && a.elements.every((t, i) => typesEqual(t, be[i]!));
    }
    case "object": {
      const ba = (b as typeof a).attributes;
      const ak = Object.keys(a.attributes);
      return ak.length === Object.keys(ba).length && ak.every((k) => k in ba && typesEqual(a.attributes[k]!, ba[k]!));
    }
    default:
      return true;
  }
}

/** cty's Type.FriendlyName, as used in error messages. */
export function friendlyTypeName(t: HclType): string {
  switch (t.kind) {
    case "dynamic":
      return "dynamic";
    case "list":
      return `list of ${friendlyTypeName(t.element)}`;
    case "set":
      return `set of ${friendlyTypeName(t.element)}`;
    case "map":
      return `map of ${friendlyTypeName(t.element)}`;
    default:
      return t.kind;
  }
}

export function isKnown(v: Value): boolean {
  return v.kind !== "unknown";
}

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

export function valuesEqual(a: Value, b: Value): boolean {
  if (a.kind === "null" || b.kind === "null") return a.kind === b.kind && typesEqual(typeOf(a), typeOf(b));
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "string":
    case "number":
    case "bool":
      return a.value === (b as typeof a).value;
    case "list":
    case "set":
    case "tuple": {
      const bi = (b as typeof a).items;
      return a.items.length === bi.length && a.items.every((x, i) => valuesEqual(x, bi[i]!));
    }
    case "map":
    case "object": {
      const ba = (b as typeof a).attrs;
      if (a.attrs.size !== ba.size) return false;
      for (const [k, x] of a.attrs) {
        const y = ba.get(k);
        if (!y || !valuesEqual(x, y)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

export class ConversionError extends Error {}

/** cty's number → string: no exponent, shortest form. */
export function numberToString(n: number): string {
  if (Number.isInteger(n)) return BigInt(n).toString();
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/0+$/, "").replace(/\.$/, "");
}

/** Convert to a type by cty's rules (convert.Convert), throwing ConversionError with cty's message. */
export function convert(v: Value, want: HclType): Value {
  if (want.kind === "dynamic") return v;
  if (v.kind === "null") return nullOf(want);
  if (v.kind === "unknown") return unknownOf(want);
  switch (want.kind) {
    case "string":
      if (v.kind === "string") return v;
      if (v.kind === "number") return str(numberToString(v.value));
      if (v.kind === "bool") return str(v.value ? "true" : "false");
      throw new ConversionError("string required");
    case "number":
      if (v.kind === "number") return v;
      if (v.kind === "string") {
        const t = v.value;
        if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return num(Number(t));
        throw new ConversionError("a number is required");
      }
      throw new ConversionError("number required");
    case "bool":
      if (v.kind === "bool") return v;
      if (v.kind === "string") {
        if (v.value === "true") return bool(true);
        if (v.value === "false") return bool(false);
        throw new ConversionError("a bool is required");
      }
      throw new ConversionError("bool required");
    case "list":
    case "set": {
      if (v.kind !== "list" && v.kind !== "set" && v.kind !== "tuple") throw new ConversionError(`${want.kind} of ${friendlyTypeName(want.element)} required`);
      let element = want.element;
      let items = v.items;
      if (element.kind === "dynamic") {
        const u = unifyTypes(items.map(typeOf));
        if (!u) throw new ConversionError("all list elements must have the same type");
        element = u;
      }
      items = items.map((item, i) => {
        try {
          return convert(item, element);
        } catch (e) {
          throw new ConversionError(`element ${i}: ${(e as Error).message}`);
        }
      });
      if (items.length === 0 && element.kind === "dynamic") element = v.kind === "tuple" ? DYNAMIC : element;
      return want.kind === "list" ? list(element, items) : set(element, items);
    }
    case "map": {
      if (v.kind !== "map" && v.kind !== "object") throw new ConversionError(`map of ${friendlyTypeName(want.element)} required`);
      let element = want.element;
      if (element.kind === "dynamic") {
        const u = unifyTypes([...v.attrs.values()].map(typeOf));
        if (!u) throw new ConversionError("all map elements must have the same type");
        element = u;
      }
      const attrs = new Map<string, Value>();
      for (const [k, a] of v.attrs) {
        try {
          attrs.set(k, convert(a, element));
        } catch (e) {
          throw new ConversionError(`element ${JSON.stringify(k)}: ${(e as Error).message}`);
        }
      }
      return map(element, attrs);
    }
    case "tuple": {
      if (v.kind !== "tuple" && v.kind !== "list") throw new ConversionError("tuple required");
      if (v.items.length !== want.elements.length) throw new ConversionError(`tuple required with ${want.elements.length} elements`);
      return tuple(v.items.map((item, i) => convert(item, want.elements[i]!)));
    }
    case "object": {
      if (v.kind !== "object" && v.kind !== "map") throw new ConversionError("object required");
      const attrs = new Map<string, Value>();
      for (const [k, t] of Object.entries(want.attributes)) {
        const a = v.attrs.get(k);
        if (!a) {
          if (want.optional?.includes(k)) attrs.set(k, nullOf(t));
          else throw new ConversionError(`attribute ${JSON.stringify(k)} is required`);
        } else attrs.set(k, convert(a, t));
      }
      return object(attrs);
    }
  }
}

/** The most specific type all of `types` convert to (cty convert.UnifyUnsafe, simplified). */
export function unifyTypes(types: HclType[]): HclType | undefined {
  if (types.length === 0) return DYNAMIC;
  const known = types.filter((t) => t.kind !== "dynamic");
  if (known.length === 0) return DYNAMIC;
  const first = known[0]!;
  if (known.every((t) => typesEqual(t, first))) return first;
  if (known.every((t) => t.kind === "string" || t.kind === "number" || t.kind === "bool")) return STRING;
  if (known.every((t) => t.kind === "list" || t.kind === "tuple")) {
    const els = known.flatMap((t) => (t.kind === "list" ? [t.element] : (t as { elements: HclType[] }).elements));
    const e = unifyTypes(els);
    return e ? listOf(e) : undefined;
  }
  if (known.every((t) => t.kind === "set")) {
    const e = unifyTypes(known.map((t) => (t as { element: HclType }).element));
    return e ? setOf(e) : undefined;
  }
  if (known.every((t) => t.kind === "map" || t.kind === "object")) {
    const els = known.flatMap((t) => (t.kind === "map" ? [t.element] : Object.values((t as { attributes: Record<string, HclType> }).attributes)));
    const e = unifyTypes(els);
    return e ? mapOf(e) : undefined;
  }
  return undefined;
}

/** Keys in cty's order (lexical by code point). */
export function sortedKeys(attrs: Map<string, Value>): string[] {
  return [...attrs.keys()].sort(compareStrings);
}
