// Go's fmt package for template values: Sprint, Sprintln and Sprintf with the usual verbs and
// flags, and Go's error notation for bad verbs (%!d(string=x)), missing and extra arguments.
import { formatGoFloat } from "./go-float.js";
import { goTypeName, isGoMap, isGoSlice, type GoValue } from "./go-values.js";

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  precision?: number;
}

const NO_FLAGS: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false };

function runeLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, flags: Flags): string {
  const width = flags.width ?? 0;
  const missing = width - runeLength(s);
  if (missing <= 0) return s;
  if (flags.minus) return s + " ".repeat(missing);
  return (flags.zero ? "0" : " ").repeat(missing) + s;
}

/** strconv.Quote: a double-quoted Go string literal. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp >= 0x80 && cp <= 0x9f) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else if (cp === 0xfffd) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

function quoteRune(cp: number): string {
  if (cp === 0x27) return "'\\''";
  if (cp === 0x22) return `'"'`;
  const inner = goQuote(String.fromCodePoint(cp)).slice(1, -1);
  return `'${inner}'`;
}

function badVerb(verb: string, value: GoValue): string {
  if (value === undefined || value === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(value)}=${formatValue(value, "v", NO_FLAGS)})`;
}

function formatInteger(value: bigint, verb: string, flags: Flags): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  let digits: string;
  let prefix = "";
  switch (verb) {
    case "v":
    case "d":
      digits = abs.toString(10);
      break;
    case "b":
      digits = abs.toString(2);
      if (flags.sharp) prefix = "0b";
      break;
    case "o":
    case "O":
      digits = abs.toString(8);
      if (verb === "O") prefix = "0o";
      else if (flags.sharp && digits !== "0") prefix = "0";
      break;
    case "x":
      digits = abs.toString(16);
      if (flags.sharp) prefix = "0x";
      break;
    case "X":
      digits = abs.toString(16).toUpperCase();
      if (flags.sharp) prefix = "0X";
      break;
    case "c":
      return pad(String.fromCodePoint(Number(value)), flags);
    case "q":
      return pad(quoteRune(Number(value)), flags);
    case "U": {
      const hex = abs.toString(16).toUpperCase().padStart(4, "0");
      const withChar = flags.sharp ? ` '${String.fromCodePoint(Number(value))}'` : "";
      return pad(`U+${hex}${withChar}`, flags);
    }
    default:
      return badVerb(verb, value);
  }
  // Precision is a minimum digit count; a zero flag with a width pads digits with zeros.
  let minDigits = 0;
  if (flags.precision !== undefined) {
    minDigits = flags.precision;
    if (flags.precision === 0 && value === 0n) return pad("", { ...flags, zero: false });
  } else if (flags.zero && flags.width !== undefined && !flags.minus) {
    minDigits = flags.width;
    if (negative || flags.plus || flags.space) minDigits--;
    minDigits -= prefix.length;
  }
  digits = digits.padStart(minDigits, "0");
  const sign = negative ? "-" : flags.plus ? "+" : flags.space ? " " : "";
  return pad(sign + prefix + digits, { ...flags, zero: false });
}

function formatFloat(value: number, verb: string, flags: Flags): string {
  let text: string;
  switch (verb) {
    case "v":
      text = formatGoFloat(value, "g", flags.precision ?? -1);
      break;
    case "g":
    case "G":
      text = formatGoFloat(value, verb, flags.precision ?? -1);
      break;
    case "e":
    case "E":
    case "f":
    case "F":
      text = formatGoFloat(value, verb, flags.precision ?? 6);
      break;
    default:
      return badVerb(verb, value);
  }
  const negative = text.startsWith("-");
  const unsigned = negative ? text.slice(1) : text.replace(/^\+/, "");
  const sign = negative ? "-" : flags.plus ? "+" : flags.space ? " " : "";
  if (/^[IN]/.test(unsigned)) return pad(sign + unsigned, { ...flags, zero: false });
  if (flags.zero && !flags.minus && flags.width !== undefined) {
    return sign + unsigned.padStart(flags.width - sign.length, "0");
  }
  return pad(sign + unsigned, flags);
}

function formatString(value: string, verb: string, flags: Flags): string {
  switch (verb) {
    case "v":
    case "s": {
      if (flags.sharp && verb === "v") return pad(goQuote(value), flags);
      let s = value;
      if (flags.precision !== undefined) s = [...s].slice(0, flags.precision).join("");
      return pad(s, flags);
    }
    case "q":
      return pad(flags.sharp && !value.includes("`") ? `\`${value}\`` : goQuote(value), flags);
    case "x":
    case "X": {
      const bytes = [...Buffer.from(value, "utf8")].map((b) => b.toString(16).padStart(2, "0"));
      const hex = bytes.join(flags.space ? " " : "");
      return pad(verb === "X" ? hex.toUpperCase() : hex, flags);
    }
    default:
      return badVerb(verb, value);
  }
}

/** Formats one value with a verb, as fmt's printArg / printValue do. */
export function formatValue(value: GoValue, verb: string, flags: Flags = NO_FLAGS): string {
  if (verb === "T") return pad(value === undefined || value === null ? "<nil>" : goTypeName(value), flags);
  if (value === undefined || value === null) return verb === "v" ? pad("<nil>", flags) : badVerb(verb, value);
  switch (typeof value) {
    case "boolean":
      return verb === "t" || verb === "v" ? pad(value ? "true" : "false", flags) : badVerb(verb, value);
    case "bigint":
      return formatInteger(value, verb, flags);
    case "number":
      return formatFloat(value, verb, flags);
    case "string":
      return formatString(value, verb, flags);
  }
  if (isGoSlice(value)) {
    return `[${value.map((item) => formatElement(item, verb, flags)).join(" ")}]`;
  }
  if (isGoMap(value)) {
    const keys = Object.keys(value).sort();
    const entries = keys.map((k) => `${formatValue(k, verb, flags)}:${formatElement(value[k], verb, flags)}`);
    return `map[${entries.join(" ")}]`;
  }
  return badVerb(verb, value);
}

// Inside a slice or map a nil interface prints as <nil> whatever the verb.
function formatElement(value: GoValue, verb: string, flags: Flags): string {
  if (value === undefined || value === null) return pad("<nil>", flags);
  return formatValue(value, verb, flags);
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = "";
  let previousWasString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === "string";
    if (i > 0 && !isString && !previousWasString) out += " ";
    out += formatValue(arg, "v");
    previousWasString = isString;
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands, and a final newline. */
export function sprintln(args: readonly GoValue[]): string {
  return args.map((arg) => formatValue(arg, "v")).join(" ") + "\n";
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = "";
  let argIndex = 0;
  let reordered = false;
  let i = 0;
  const intArg = (): number | undefined => {
    if (argIndex >= args.length) return undefined;
    const value = args[argIndex++];
    return typeof value === "bigint" ? Number(value) : undefined;
  };
  const argNumber = (): boolean => {
    // [n] selects the n-th (1-based) argument.
    const match = /^\[(\d+)\]/.exec(format.slice(i));
    if (!match) return true;
    i += match[0].length;
    reordered = true;
    const n = Number(match[1]);
    if (n < 1 || n > args.length) return false;
    argIndex = n - 1;
    return true;
  };
  while (i < format.length) {
    const percent = format.indexOf("%", i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const flags: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false };
    flagLoop: for (; i < format.length; i++) {
      switch (format[i]) {
        case "+":
          flags.plus = true;
          break;
        case "-":
          flags.minus = true;
          flags.zero = false;
          break;
        case "#":
          flags.sharp = true;
          break;
        case " ":
          flags.space = true;
          break;
        case "0":
          flags.zero = !flags.minus;
          break;
        default:
          break flagLoop;
      }
    }
    let goodIndex = argNumber();
    if (format[i] === "*") {
      i++;
      const width = intArg();
      if (width === undefined) out += "%!(BADWIDTH)";
      else if (width < 0) {
        flags.minus = true;
        flags.zero = false;
        flags.width = -width;
      } else flags.width = width;
    } else {
      const match = /^\d+/.exec(format.slice(i));
      if (match) {
        flags.width = Number(match[0]);
        i += match[0].length;
      }
    }
    if (format[i] === ".") {
      i++;
      goodIndex = goodIndex && argNumber();
      if (format[i] === "*") {
        i++;
        const precision = intArg();
        if (precision === undefined || precision < 0) out += "%!(BADPREC)";
        else flags.precision = precision;
      } else {
        const match = /^\d+/.exec(format.slice(i));
        flags.precision = match ? Number(match[0]) : 0;
        if (match) i += match[0].length;
      }
    }
    goodIndex = goodIndex && argNumber();
    if (i >= format.length) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (!goodIndex) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argIndex++];
    out += formatValue(arg === undefined ? null : arg, verb, flags);
  }
  if (!reordered && argIndex < args.length) {
    const extra = args.slice(argIndex).map((arg) => {
      if (arg === undefined || arg === null) return "<nil>";
      return `${goTypeName(arg)}=${formatValue(arg, "v")}`;
    });
    out += `%!(EXTRA ${extra.join(", ")})`;
  }
  return out;
}
