/** Numeric functions (cty stdlib number.go, Packer's sum). */
import type { HclFunction, Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { numberType, numberVal, typeOf, typeString } from "../value/index.js";

const number = (v: Value | undefined): number => (v as { value: number }).value;

const numberToNumber = (f: (n: number) => number) =>
  defineFunction({ params: [{ name: "num", type: numberType }], returnType: numberType, impl: ([n]) => numberVal(f(number(n))) });

/** Digits of Go's big.Int.SetString for bases up to 62: 0-9, then a-z, then A-Z (case-insensitive up to base 36). */
function parseBigInt(text: string, base: number): bigint | undefined {
  let s = text;
  let negative = false;
  if (s.startsWith("+") || s.startsWith("-")) {
    negative = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "") return undefined;
  let out = 0n;
  for (const ch of s) {
    let d: number;
    if (ch >= "0" && ch <= "9") d = ch.charCodeAt(0) - 48;
    else if (ch >= "a" && ch <= "z") d = ch.charCodeAt(0) - 97 + 10;
    else if (ch >= "A" && ch <= "Z") d = base <= 36 ? ch.charCodeAt(0) - 65 + 10 : ch.charCodeAt(0) - 65 + 36;
    else return undefined;
    if (d >= base) return undefined;
    out = out * BigInt(base) + BigInt(d);
  }
  return negative ? -out : out;
}

const minMax = (pick: (a: number, b: number) => number): HclFunction =>
  defineFunction({
    params: [],
    variadic: { name: "numbers", type: numberType },
    returnType: numberType,
    impl(args) {
      if (args.length === 0) fail("must pass at least one number");
      return numberVal(args.map(number).reduce((a, b) => pick(a, b)));
    },
  });

export const numberFunctions: Record<string, HclFunction> = {
  abs: numberToNumber(Math.abs),
  ceil: numberToNumber(Math.ceil),
  floor: numberToNumber(Math.floor),
  signum: numberToNumber((n) => (n > 0 ? 1 : n < 0 ? -1 : 0)),
  log: defineFunction({
    params: [
      { name: "num", type: numberType },
      { name: "base", type: numberType },
    ],
    returnType: numberType,
    impl: ([n, b]) => numberVal(Math.log(number(n)) / Math.log(number(b))),
  }),
  pow: defineFunction({
    params: [
      { name: "num", type: numberType },
      { name: "power", type: numberType },
    ],
    returnType: numberType,
    impl: ([n, p]) => numberVal(Math.pow(number(n), number(p))),
  }),
  min: minMax(Math.min),
  max: minMax(Math.max),
  parseint: defineFunction({
    params: [
      { name: "number", type: { kind: "dynamic" } },
      { name: "base", type: numberType },
    ],
    returnType: numberType,
    impl([n, b]) {
      if (n!.kind !== "string") fail(`first argument must be a string, not ${typeString(typeOf(n!))}`, 0);
      const base = number(b);
      if (!Number.isInteger(base)) fail("value must be a whole number", 1);
      if (base < 2 || base > 62) fail("base must be a whole number between 2 and 62 inclusive", 1);
      const parsed = parseBigInt(n.value, base);
      if (parsed === undefined) fail(`cannot parse ${JSON.stringify(n.value)} as a base ${base} integer`, 0);
      return numberVal(Number(parsed));
    },
  }),
  sum: defineFunction({
    params: [{ name: "list", type: { kind: "dynamic" } }],
    returnType: numberType,
    impl([l]) {
      if (l!.kind !== "list" && l!.kind !== "set" && l!.kind !== "tuple") fail("cannot sum noniterable");
      if (l.items.length === 0) fail("cannot sum an empty list");
      let total = 0;
      for (const item of l.items) {
        if (item.kind === "null") fail("argument must be list, set, or tuple of number values");
        if (item.kind === "number") total += item.value;
        else if (item.kind === "string" && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(item.value)) total += Number(item.value);
        else fail("argument must be list, set, or tuple of number values");
      }
      // cty adds exact decimals: 0.1 + 0.2 is 0.3 there, not 0.30000000000000004.
      return numberVal(Number.isInteger(total) ? total : Number(total.toPrecision(15)));
    },
  }),
};

