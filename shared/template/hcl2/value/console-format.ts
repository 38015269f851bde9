/**
 * Values as `packer console` 1.6.6 prints them (hcl2template.PrintableCtyValue: hcl2shim's
 * ConfigValueFromHCL2 then repl.FormatResult): strings raw at the top and Go-quoted inside,
 * integers as ints and other numbers as Go's %g, lists `[\n  x,\n]`, maps and objects
 * `{\n  "k" = v\n}` in key order with null attributes left out, anything unknown `<unknown>`.
 * Sensitive values are the caller's business (it prints `<sensitive>`).
 */
import type { Value } from "../contract.js";
import { formatGoFloat, isInt64 } from "./number.js";
import { isWhollyKnown, sortedEntries } from "./values.js";

export function formatValueForConsole(v: Value): string {
  if (!isWhollyKnown(v)) return "<unknown>";
  return formatResult(v, false);
}

function formatResult(v: Value, nested: boolean): string {
  switch (v.kind) {
    case "null":
    case "unknown":
      return "null";
    case "string":
      return nested ? goQuote(v.value) : v.value;
    case "number":
      return isInt64(v.value) ? BigInt(v.value).toString() : formatGoFloat(v.value);
    case "bool":
      return v.value ? "true" : "false";
    case "list":
    case "set":
    case "tuple": {
      if (v.items.length === 0) return "[]";
      return `[\n${v.items.map((item) => `${indent(formatResult(item, true))},\n`).join("")}]`;
    }
    case "map":
    case "object": {
      const entries = sortedEntries(v).filter(([, item]) => item.kind !== "null");
      if (entries.length === 0) return "{}";
      return `{\n${entries.map(([k, item]) => `${indent(`${goQuote(k)} = ${formatResult(item, true)}`)}\n`).join("")}}`;
    }
  }
}

/** repl's indent: two spaces before every line (a bufio.Scanner drops a trailing empty line). */
function indent(text: string): string {
  const lines = text.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => `  ${l.replace(/\r$/, "")}`).join("\n");
}

/** Go's %q (strconv.Quote): printable characters kept, the rest escaped. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
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
    if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (!isGoPrintable(ch)) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, "0")}` : `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isGoPrintable(ch: string): boolean {
  return ch === " " || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}
