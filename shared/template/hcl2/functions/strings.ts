/**
 * String functions, as cty's stdlib (string.go, string_replace.go) and Packer's own
 * (strcontains, startswith, endswith) define them. Lengths and offsets count grapheme clusters.
 */
import type { Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { graphemes } from "./text-segments.js";
import { boolType, boolVal, listType, listVal, numberType, stringType, stringVal } from "../value/index.js";

const text = (v: Value | undefined): string => (v as { value: string }).value;
const number = (v: Value | undefined): number => (v as { value: number }).value;

/** A one-string-in, one-string-out function. */
const stringToString = (f: (s: string) => string) =>
  defineFunction({ params: [{ name: "str", type: stringType }], returnType: stringType, impl: ([s]) => stringVal(f(text(s))) });

/**
 * Go's strings.ToUpper/ToLower map each code point to one code point (unicode.ToUpper), so
 * "ß" stays "ß" where JavaScript's special casing would give "SS".
 */
function mapRunes(s: string, f: (c: string) => string, firstOfMany: boolean): string {
  let out = "";
  for (const c of s) {
    const m = [...f(c)];
    out += m.length === 1 ? m[0] : firstOfMany ? m[0] : c;
  }
  return out;
}

/** Go's strings.Title: the first letter of each word (words are split at anything not a letter, digit, mark or `_`) upper-cased. */
function goTitle(s: string): string {
  let prev = " ";
  let out = "";
  for (const ch of s) {
    const sep = !/[\p{L}\p{N}\p{M}_]/u.test(prev);
    out += sep ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

/** Go's unicode.IsSpace set, as strings.TrimSpace uses it. */
const GO_SPACE = "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

function trimChars(s: string, cutset: string, left: boolean, right: boolean): string {
  const chars = [...s];
  const cut = new Set(cutset);
  let a = 0;
  let b = chars.length;
  while (left && a < b && cut.has(chars[a]!)) a++;
  while (right && b > a && cut.has(chars[b - 1]!)) b--;
  return chars.slice(a, b).join("");
}

/** Go's int conversion of a cty number (gocty.FromCtyValue): whole numbers only. */
export function wholeNumber(v: Value | undefined, argIndex?: number, prefix = ""): number {
  const n = number(v);
  if (!Number.isInteger(n) || Math.abs(n) > 2 ** 63) fail(`${prefix}value must be a whole number, between -9223372036854775808 and 9223372036854775807`, argIndex);
  return n;
}

function substr(s: string, offset: number, length: number): string {
  const g = graphemes(s);
  if (offset < 0) offset += g.length;
  else if (length === 0) return "";
  if (offset < 0) offset = 0;
  if (offset > g.length) return "";
  const rest = g.slice(offset);
  return (length < 0 ? rest : rest.slice(0, length)).join("");
}

export const stringFunctions: Record<string, ReturnType<typeof defineFunction>> = {
  upper: stringToString((s) => mapRunes(s, (c) => c.toUpperCase(), false)),
  lower: stringToString((s) => mapRunes(s, (c) => c.toLowerCase(), true)),
  title: stringToString(goTitle),
  strrev: stringToString((s) => graphemes(s).reverse().join("")),
  trimspace: stringToString((s) => trimChars(s, GO_SPACE, true, true)),
  chomp: stringToString((s) => s.replace(/(?:\r\n?|\n)*$/, "")),
  indent: defineFunction({
    params: [
      { name: "spaces", type: numberType },
      { name: "str", type: stringType },
    ],
    returnType: stringType,
    impl: ([n, s]) => stringVal(text(s).replaceAll("\n", "\n" + " ".repeat(Math.max(0, wholeNumber(n))))),
  }),
  trim: defineFunction({
    params: [
      { name: "str", type: stringType },
      { name: "cutset", type: stringType },
    ],
    returnType: stringType,
    impl: ([s, c]) => stringVal(trimChars(text(s), text(c), true, true)),
  }),
  trimprefix: defineFunction({
    params: [
      { name: "str", type: stringType },
      { name: "prefix", type: stringType },
    ],
    returnType: stringType,
    impl: ([s, p]) => stringVal(text(s).startsWith(text(p)) ? text(s).slice(text(p).length) : text(s)),
  }),
  trimsuffix: defineFunction({
    params: [
      { name: "str", type: stringType },
      { name: "suffix", type: stringType },
    ],
    returnType: stringType,
    impl: ([s, p]) => stringVal(text(p) !== "" && text(s).endsWith(text(p)) ? text(s).slice(0, -text(p).length) : text(s)),
  }),
  substr: defineFunction({
    params: [
      { name: "str", type: stringType },
      { name: "offset", type: numberType },
      { name: "length", type: numberType },
    ],
    returnType: stringType,
    impl: ([s, o, l]) => stringVal(substr(text(s), wholeNumber(o), wholeNumber(l))),
  }),
  join: defineFunction({
    params: [{ name: "separator", type: stringType }],
    variadic: { name: "lists", type: listType(stringType) },
    returnType: stringType,
    impl([sep, ...lists]) {
      if (lists.length === 0) fail("at least one list is required");
      const items: string[] = [];
      lists.forEach((l, ai) => {
        (l as { items: Value[] }).items.forEach((item, ei) => {
          if (item.kind === "null") {
            fail(lists.length > 1 ? `element ${ei} of list ${ai + 1} is null; cannot concatenate null values` : `element ${ei} is null; cannot concatenate null values`, ai + 1);
          }
          items.push(text(item));
        });
      });
      return stringVal(items.join(text(sep)));
    },
  }),
  split: defineFunction({
    params: [
      { name: "separator", type: stringType },
      { name: "str", type: stringType },
    ],
    returnType: listType(stringType),
    impl([sep, s]) {
      // Go's strings.Split with an empty separator splits into UTF-8 sequences (code points).
      const parts = text(sep) === "" ? [...text(s)] : text(s).split(text(sep));
      return listVal(parts.map(stringVal), stringType);
    },
  }),
  replace: defineFunction({
    params: [
      { name: "str", type: stringType },
      { name: "substr", type: stringType },
      { name: "replace", type: stringType },
    ],
    returnType: stringType,
    impl: ([s, sub, r]) => stringVal(goReplaceAll(text(s), text(sub), text(r))),
  }),
  strcontains: defineFunction({
    params: [
      { name: "str", type: stringType },
      { name: "substr", type: stringType },
    ],
    returnType: boolType,
    impl: ([s, sub]) => boolVal(text(s).includes(text(sub))),
  }),
  startswith: defineFunction({
    params: [
      { name: "str", type: stringType },
      { name: "prefix", type: stringType },
    ],
    returnType: boolType,
    impl: ([s, p]) => boolVal(text(s).startsWith(text(p))),
  }),
  endswith: defineFunction({
    params: [
      { name: "str", type: stringType },
      { name: "suffix", type: stringType },
    ],
    returnType: boolType,
    impl: ([s, p]) => boolVal(text(s).endsWith(text(p))),
  }),
};

/** Go's strings.Replace(s, old, new, -1): an empty `old` inserts `new` around every code point. */
function goReplaceAll(s: string, old: string, repl: string): string {
  if (old !== "") return s.split(old).join(repl);
  const cps = [...s];
  return repl + cps.map((c) => c + repl).join("");
}
