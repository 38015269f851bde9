// Go text/template's predefined functions (Go 1.15: `and`/`or` evaluate all their arguments).
import { sprint, sprintf, sprintln } from "./go-fmt.js";
import { goTypeName, isGoMap, isGoSlice, isTrue, type GoValue } from "./go-values.js";
import type { TemplateFunction } from "./template-function.js";

type ComparableKind = "bool" | "int" | "float" | "string";

function basicKind(value: GoValue): ComparableKind {
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
    case "string":
      return "string";
  }
  throw new Error("invalid type for comparison");
}

function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function eq(first: GoValue, others: GoValue[]): boolean {
  const k1 = basicKind(first);
  if (others.length === 0) throw new Error("missing argument for comparison");
  for (const other of others) {
    const k2 = basicKind(other);
    if (k1 !== k2) throw new Error("incompatible types for comparison");
    if (first === other) return true;
  }
  return false;
}

function lt(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 !== k2) throw new Error("incompatible types for comparison");
  switch (k1) {
    case "bool":
      throw new Error("invalid type for comparison");
    case "string":
      return compareStrings(a as string, b as string) < 0;
    default:
      return (a as number | bigint) < (b as number | bigint);
  }
}

function le(a: GoValue, b: GoValue): boolean {
  return lt(a, b) || eq(a, [b]);
}

function indexArg(index: GoValue, cap: number): number {
  if (index === undefined || index === null) throw new Error("cannot index slice/array with nil");
  if (typeof index !== "bigint") throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  if (index < 0n || index > BigInt(cap)) throw new Error(`index out of range: ${index}`);
  return Number(index);
}

function index(item: GoValue, indexes: GoValue[]): GoValue {
  let v = item;
  if (v === undefined || v === null) throw new Error("index of untyped nil");
  for (const i of indexes) {
    if (v === undefined || v === null) throw new Error("index of nil pointer");
    if (typeof v === "string" || isGoSlice(v)) {
      const length = typeof v === "string" ? Buffer.byteLength(v, "utf8") : v.length;
      const x = indexArg(i, length);
      if (x >= length) throw new Error(`index out of range: ${x}`);
      v = typeof v === "string" ? BigInt(Buffer.from(v, "utf8")[x]) : v[x];
    } else if (isGoMap(v)) {
      if (i === undefined || i === null) throw new Error("value is nil; should be of type string");
      if (typeof i !== "string") throw new Error(`value has type ${goTypeName(i)}; should be string`);
      v = Object.hasOwn(v, i) ? v[i] : null;
    } else {
      throw new Error(`can't index item of type ${goTypeName(v)}`);
    }
  }
  return v;
}

function slice(item: GoValue, indexes: GoValue[]): GoValue {
  if (item === undefined || item === null) throw new Error("slice of untyped nil");
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let length: number;
  if (typeof item === "string") {
    if (indexes.length === 3) throw new Error("cannot 3-index slice a string");
    length = Buffer.byteLength(item, "utf8");
  } else if (isGoSlice(item)) {
    length = item.length;
  } else {
    throw new Error(`can't slice item of type ${goTypeName(item)}`);
  }
  const idx = [0, length, length];
  indexes.forEach((i, n) => {
    idx[n] = indexArg(i, length);
  });
  if (idx[0] > idx[1]) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1] > idx[2]) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === "string") return Buffer.from(item, "utf8").subarray(idx[0], idx[1]).toString("utf8");
  return item.slice(idx[0], idx[1]);
}

function length(item: GoValue): bigint {
  if (item === undefined || item === null) throw new Error("len of untyped nil");
  if (typeof item === "string") return BigInt(Buffer.byteLength(item, "utf8"));
  if (isGoSlice(item)) return BigInt(item.length);
  if (isGoMap(item)) return BigInt(Object.keys(item).length);
  throw new Error(`len of type ${goTypeName(item)}`);
}

// The escapers take their arguments as one string, or print them as fmt.Sprint does.
function escaperInput(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(args);
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (ch) => {
    switch (ch) {
      case "\0":
        return "\uFFFD";
      case '"':
        return "&#34;";
      case "'":
        return "&#39;";
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      default:
        return "&gt;";
    }
  });
}

function jsEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === "<") out += "\\u003C";
    else if (ch === ">") out += "\\u003E";
    else if (ch === "&") out += "\\u0026";
    else if (ch === "=") out += "\\u003D";
    else if (cp < 0x20) out += `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;
    else out += ch;
  }
  return out;
}

// url.QueryEscape: unreserved characters stay, spaces become '+', the rest %XX.
function queryEscape(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** Go's builtin functions, keyed by name. */
export const goBuiltins: ReadonlyMap<string, TemplateFunction> = new Map<string, TemplateFunction>([
  [
    "and",
    {
      params: ["value"],
      variadic: "value",
      call: (args) => {
        for (const arg of args) if (!isTrue(arg)) return arg;
        return args[args.length - 1];
      },
    },
  ],
  [
    "or",
    {
      params: ["value"],
      variadic: "value",
      call: (args) => {
        for (const arg of args) if (isTrue(arg)) return arg;
        return args[args.length - 1];
      },
    },
  ],
  ["not", { params: ["value"], call: ([arg]) => !isTrue(arg) }],
  ["len", { params: ["any"], call: ([item]) => length(item) }],
  ["index", { params: ["value"], variadic: "value", call: ([item, ...rest]) => index(item, rest) }],
  ["slice", { params: ["value"], variadic: "value", call: ([item, ...rest]) => slice(item, rest) }],
  ["print", { params: [], variadic: "any", call: (args) => sprint(args) }],
  ["println", { params: [], variadic: "any", call: (args) => sprintln(args) }],
  ["printf", { params: ["string"], variadic: "any", call: ([format, ...rest]) => sprintf(format as string, rest) }],
  ["html", { params: [], variadic: "any", call: (args) => htmlEscape(escaperInput(args)) }],
  ["js", { params: [], variadic: "any", call: (args) => jsEscape(escaperInput(args)) }],
  ["urlquery", { params: [], variadic: "any", call: (args) => queryEscape(escaperInput(args)) }],
  [
    "call",
    {
      params: ["value"],
      variadic: "value",
      call: ([fn]) => {
        // Kiln's templates have no function values, so there is never anything to call.
        if (fn === undefined || fn === null) throw new Error("call of nil");
        throw new Error(`non-function of type ${goTypeName(fn)}`);
      },
    },
  ],
  ["eq", { params: ["value"], variadic: "value", call: ([first, ...rest]) => eq(first, rest) }],
  ["ne", { params: ["value", "value"], call: ([a, b]) => !eq(a, [b]) }],
  ["lt", { params: ["value", "value"], call: ([a, b]) => lt(a, b) }],
  ["le", { params: ["value", "value"], call: ([a, b]) => le(a, b) }],
  ["gt", { params: ["value", "value"], call: ([a, b]) => !le(a, b) }],
  ["ge", { params: ["value", "value"], call: ([a, b]) => !lt(a, b) }],
]);

