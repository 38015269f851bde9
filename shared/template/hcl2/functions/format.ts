/**
 * format and formatlist: Go's fmt verbs as cty's stdlib accepts them (%v %#v %t %d %b %o %x %X
 * %e %E %f %g %G %s %q %%, flags `0#-+ `, width, precision and `[n]` argument indexes).
 */
import type { Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { jsonText } from "./encoding.js";
import { graphemes } from "./text-segments.js";
import { ConversionError, convert, dynamicType, formatGoFloat, goJsonString, isWhollyKnown, listType, listVal, stringType, stringVal, unknownVal } from "../value/index.js";

interface Verb {
  raw: string;
  offset: number;
  argNum: number;
  mode: string;
  zero: boolean;
  sharp: boolean;
  plus: boolean;
  minus: boolean;
  space: boolean;
  width: number; // -1: none
  prec: number; // -1: none
}

export function formatValues(format: string, args: Value[]): string {
  let out = "";
  let nextArg = 1;
  let highest = 0;
  const n = format.length;
  let p = 0;
  while (p < n) {
    const c = format[p]!;
    if (c !== "%") {
      out += c;
      p++;
      continue;
    }
    if (format[p + 1] === "%") {
      out += "%";
      p += 2;
      continue;
    }
    const start = p;
    const verb: Verb = { raw: "", offset: start, argNum: nextArg, mode: "", zero: false, sharp: false, plus: false, minus: false, space: false, width: -1, prec: -1 };
    p++;
    for (; p < n && "0#-+ ".includes(format[p]!); p++) {
      const f = format[p]!;
      if (f === "0") verb.zero = true;
      else if (f === "#") verb.sharp = true;
      else if (f === "-") verb.minus = true;
      else if (f === "+") verb.plus = true;
      else verb.space = true;
    }
    if (p < n && /[1-9]/.test(format[p]!)) {
      verb.width = 0;
      for (; p < n && /[0-9]/.test(format[p]!); p++) verb.width = verb.width * 10 + Number(format[p]);
    }
    if (p < n && format[p] === ".") {
      verb.prec = 0;
      for (p++; p < n && /[0-9]/.test(format[p]!); p++) verb.prec = verb.prec * 10 + Number(format[p]);
    }
    if (p < n && format[p] === "[") {
      p++;
      if (p >= n || !/[1-9]/.test(format[p]!)) return unrecognized(format, p, n);
      verb.argNum = 0;
      for (; p < n && /[0-9]/.test(format[p]!); p++) verb.argNum = verb.argNum * 10 + Number(format[p]);
      if (p >= n || format[p] !== "]") return unrecognized(format, p, n);
      p++;
    }
    if (p >= n) fail(`invalid format string starting at offset ${p}`);
    if (!/[a-zA-Z]/.test(format[p]!)) return unrecognized(format, p, n);
    verb.mode = format[p]!;
    p++;
    verb.raw = format.slice(start, p);
    if (verb.argNum > highest) highest = verb.argNum;
    out += formatOne(verb, args);
    nextArg = verb.argNum + 1;
  }
  if (highest < args.length) {
    if (highest === 0) fail("too many arguments; no verbs in format string", highest + 1);
    fail(`too many arguments; only ${highest} used by format string`, highest + 1);
  }
  return out;
}

function unrecognized(format: string, p: number, n: number): never {
  if (p >= n) fail(`invalid format string starting at offset ${p}`);
  fail(`unrecognized format character ${goQuoteRune(String.fromCodePoint(format.codePointAt(p)!))} at offset ${p}`);
}

function goQuoteRune(r: string): string {
  if (r === "'") return "'\\''";
  if (r === "\\") return "'\\\\'";
  return `'${r}'`;
}

function formatOne(verb: Verb, args: Value[]): string {
  const arg = args[verb.argNum - 1];
  if (arg === undefined) {
    fail(`not enough arguments for ${JSON.stringify(verb.raw)} at ${verb.offset}: need index ${verb.argNum} but have ${args.length} total`);
  }
  if (verb.mode !== "v" && arg.kind === "null") {
    fail(`unsupported value for ${JSON.stringify(verb.raw)} at ${verb.offset}: null value cannot be formatted`);
  }
  const convertFor = (want: typeof stringType): Value => {
    try {
      return convert(arg, want);
    } catch (e) {
      if (e instanceof ConversionError) fail(`unsupported value for ${JSON.stringify(verb.raw)} at ${verb.offset}: ${e.message}`);
      throw e;
    }
  };
  switch (verb.mode) {
    case "v":
      if (!verb.sharp && arg.kind === "string") return padWidth(verb, arg.value);
      if (!verb.sharp && arg.kind === "number") return padWidth(verb, formatGoFloat(arg.value));
      return padWidth(verb, jsonText(arg));
    case "t": {
      const b = convertFor({ kind: "bool" });
      return b.kind === "bool" && b.value ? "true" : "false";
    }
    case "b":
    case "d":
    case "o":
    case "x":
    case "X":
    case "e":
    case "E":
    case "f":
    case "g":
    case "G": {
      const v = convertFor({ kind: "number" });
      const x = v.kind === "number" ? v.value : 0;
      if ("bdoxX".includes(verb.mode)) {
        if (!Number.isInteger(x)) fail(`unsupported value for ${JSON.stringify(verb.raw)} at ${verb.offset}: an integer is required`);
        return goFormatInteger(verb, x);
      }
      return goFormatFloat(verb, x);
    }
    case "s":
    case "q": {
      const v = convertFor(stringType);
      let s = v.kind === "string" ? v.value : "";
      if (verb.prec > 0) s = graphemes(s).slice(0, verb.prec).join("");
      return padWidth(verb, verb.mode === "s" ? s : goJsonString(s));
    }
    default:
      fail(`unsupported format verb ${goQuoteRune(verb.mode)} in ${JSON.stringify(verb.raw)} at offset ${verb.offset}`);
  }
}

/** cty pads strings by grapheme count, with spaces or zeros, on the left unless `-`. */
function padWidth(verb: Verb, s: string): string {
  if (verb.width < 0) return s;
  const have = graphemes(s).length;
  if (have >= verb.width) return s;
  const pad = (verb.zero ? "0" : " ").repeat(verb.width - have);
  return verb.minus ? s + pad : pad + s;
}

/** Go's fmt padding for numbers: zeros go between the sign and the digits. */
function padNumber(verb: Verb, sign: string, body: string): string {
  const len = sign.length + body.length;
  if (verb.width < 0 || len >= verb.width) return sign + body;
  const padLen = verb.width - len;
  if (verb.minus) return sign + body + " ".repeat(padLen);
  if (verb.zero) return sign + "0".repeat(padLen) + body;
  return " ".repeat(padLen) + sign + body;
}

function signOf(verb: Verb, negative: boolean): string {
  if (negative) return "-";
  if (verb.plus) return "+";
  if (verb.space) return " ";
  return "";
}

function goFormatInteger(verb: Verb, x: number): string {
  const big = BigInt(x);
  const negative = big < 0n;
  const abs = negative ? -big : big;
  const radix = verb.mode === "b" ? 2 : verb.mode === "o" ? 8 : verb.mode === "d" ? 10 : 16;
  let digits = abs.toString(radix);
  if (verb.mode === "X") digits = digits.toUpperCase();
  if (verb.prec >= 0) {
    if (verb.prec === 0 && abs === 0n) digits = "";
    digits = digits.padStart(verb.prec, "0");
  }
  let prefix = "";
  if (verb.sharp) {
    if (verb.mode === "x") prefix = "0x";
    else if (verb.mode === "X") prefix = "0X";
    else if (verb.mode === "o" && !digits.startsWith("0")) prefix = "0";
    else if (verb.mode === "b") prefix = "0b";
  }
  // Go ignores the zero flag for integers when a precision is given.
  const v = verb.prec >= 0 ? { ...verb, zero: false } : verb;
  return padNumber(v, signOf(verb, negative), prefix + digits);
}

/** Go's exponent form: at least two exponent digits, explicit sign. */
function goExponent(mantissaAndExp: string, upper: boolean): string {
  const m = /^(.*)e([+-])(\d+)$/.exec(mantissaAndExp);
  if (!m) return mantissaAndExp;
  const e = `${upper ? "E" : "e"}${m[2]}${m[3]!.padStart(2, "0")}`;
  return m[1] + e;
}

function goFormatFloat(verb: Verb, x: number): string {
  const negative = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let body: string;
  if (!Number.isFinite(a)) body = verb.plus || verb.space ? "Inf" : "Inf";
  else if (verb.mode === "f") body = toFixedExact(a, verb.prec < 0 ? 6 : verb.prec);
  else if (verb.mode === "e" || verb.mode === "E") body = goExponent(a.toExponential(verb.prec < 0 ? 6 : verb.prec), verb.mode === "E");
  else body = verb.prec < 0 ? formatGoFloat(a) : goPrecisionG(a, verb.prec);
  if (verb.mode === "G") body = body.toUpperCase();
  return padNumber(verb, signOf(verb, negative && a !== 0), body);
}

/** toFixed without JS's switch to exponent notation above 1e21. */
function toFixedExact(a: number, prec: number): string {
  if (a < 1e21) {
    // Go rounds an exact tie to even (big.Float), JavaScript's toFixed away from zero.
    // toFixed(prec + 40) shows the double's exact decimal digits, so a tie is a real tie.
    const exact = a.toFixed(Math.min(100, prec + 40));
    const cut = exact.indexOf(".") + 1 + prec - (prec === 0 ? 1 : 0);
    const rest = exact.slice(prec === 0 ? exact.indexOf(".") + 1 : cut);
    if (/^50*$/.test(rest)) {
      const kept = prec === 0 ? exact.slice(0, exact.indexOf(".")) : exact.slice(0, cut);
      const lastDigit = Number(kept[kept.length - 1]);
      if (lastDigit % 2 === 0) return kept;
    }
    return a.toFixed(prec);
  }
  return BigInt(Math.round(a)).toString() + (prec > 0 ? "." + "0".repeat(prec) : "");
}

function goPrecisionG(a: number, prec: number): string {
  if (prec === 0) prec = 1;
  if (a === 0) return "0";
  const e = a.toExponential(prec - 1);
  const exp = Number(e.slice(e.indexOf("e") + 1));
  if (exp < -4 || exp >= prec) {
    return goExponent(e.replace(/\.?0+e/, "e"), false);
  }
  return a.toFixed(Math.max(0, prec - 1 - exp)).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

export const formatFunction = defineFunction({
  params: [{ name: "format", type: stringType }],
  variadic: { name: "args", type: dynamicType, allowNull: true },
  returnType: stringType,
  impl: ([format, ...args]) => stringVal(formatValues((format as { value: string }).value, args)),
});

export const formatlistFunction = defineFunction({
  params: [{ name: "format", type: stringType }],
  variadic: { name: "args", type: dynamicType, allowNull: true, allowUnknown: true },
  returnType: listType(stringType),
  impl([format, ...args]) {
    const fmt = (format as { value: string }).value;
    if (args.length === 0) return listVal([stringVal(formatValues(fmt, []))], stringType);
    let iterLen = -1;
    let chooser = -1;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a.kind === "unknown") return unknownVal(listType(stringType));
      if (a.kind === "list" || a.kind === "set" || a.kind === "tuple") {
        if (iterLen === -1) {
          iterLen = a.items.length;
          chooser = i;
        } else if (a.items.length !== iterLen) {
          fail(`argument ${i + 1} has length ${a.items.length}, which is inconsistent with argument ${chooser + 1} of length ${iterLen}`, i + 1);
        }
      }
    }
    if (iterLen === 0) return listVal([], stringType);
    if (iterLen === -1) iterLen = 1;
    const out: Value[] = [];
    for (let k = 0; k < iterLen; k++) {
      const row = args.map((a) => (a.kind === "list" || a.kind === "set" || a.kind === "tuple" ? a.items[k]! : a));
      if (!row.every(isWhollyKnown)) {
        out.push(unknownVal(stringType));
        continue;
      }
      try {
        out.push(stringVal(formatValues(fmt, row)));
      } catch (e) {
        fail(`error on format iteration ${k}: ${(e as Error).message}`);
      }
    }
    return listVal(out, stringType);
  },
});
