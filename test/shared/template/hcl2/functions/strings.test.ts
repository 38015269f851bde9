// String, format and regular-expression functions: behaviour beyond the packer-console recording
// (functions added after Packer 1.6.6, RE2 syntax details, unknown values).
import test from "ava";
import { packerFunctions } from "../../../../../shared/template/hcl2/functions/index.js";
import { runCallTable } from "./call-table.js";

const functions = packerFunctions({ baseDir: "/nonexistent" });

test("regex returns the match, a tuple of unnamed groups or an object of named groups (RE2 syntax)", (t) => {
  runCallTable(t, functions, [
    { fn: "regex", args: ["[a-z]+", "53453453.345345aaabbbccc23454"], out: "aaabbbccc" },
    { fn: "regex", args: ["(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)", "2019-02-01"], out: '[\n  "2019",\n  "02",\n  "01",\n]' },
    {
      fn: "regex",
      args: ["^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/"],
      out: '{\n  "authority" = "terraform.io"\n  "scheme" = "https"\n}',
    },
    { fn: "regex", args: ["(?i)HELLO", "say hello"], out: "hello" },
    { fn: "regex", args: ["a(b)?c", "ac"], out: "[\n  null,\n]" },
    { fn: "regex", args: ["\\pL+", "123héllo"], out: "héllo" },
    { fn: "regex", args: ["[a-z]+", "123"], error: "pattern did not match any part of the given string" },
    { fn: "regex", args: ["(?P<a>x)(y)", "xy"], error: "invalid regexp pattern: cannot mix both named and unnamed capture groups", argIndex: 0 },
    { fn: "regex", args: ["a(", "a"], error: "invalid regexp pattern: missing closing ) in a(", argIndex: 0 },
    // RE2 has no backreferences or lookaround: rejected, as Go rejects them.
    { fn: "regex", args: ["(a)\\1", "aa"], error: /^invalid regexp pattern: invalid escape sequence/, argIndex: 0 },
    { fn: "regex", args: ["a(?=b)", "ab"], error: /^invalid regexp pattern: /, argIndex: 0 },
  ]);
});

test("regexall returns every match, and an empty list when nothing matches", (t) => {
  runCallTable(t, functions, [
    { fn: "regexall", args: ["[a-z]+", "1234abcd5678efgh9"], out: '[\n  "abcd",\n  "efgh",\n]' },
    { fn: "regexall", args: ["[a-z]+", "123"], out: "[]" },
    { fn: "regexall", args: ["(\\w)=(\\d)", "a=1,b=2"], out: '[\n  [\n    "a",\n    "1",\n  ],\n  [\n    "b",\n    "2",\n  ],\n]' },
    { fn: "regexall", args: ["x*", "axb"], out: '[\n  "",\n  "x",\n  "",\n]' },
  ]);
});

test("regex_replace expands Go's $1, ${name} and $$ and leaves unknown groups empty", (t) => {
  runCallTable(t, functions, [
    { fn: "regex_replace", args: ["2019-02-01", "(?P<y>\\d+)-(?P<m>\\d+)-(?P<d>\\d+)", "${d}/${m}/${y}"], out: "01/02/2019" },
    { fn: "regex_replace", args: ["abc", "b", "[$0]"], out: "a[b]c" },
    { fn: "regex_replace", args: ["abc", "(b)", "$1x"], out: "ac" },
    { fn: "regex_replace", args: ["abc", "(b)", "${1}x"], out: "abxc" },
    { fn: "regex_replace", args: ["abc", "(b)", "$9"], out: "ac" },
    { fn: "regex_replace", args: ["a.b.c", "\\.", "$$"], out: "a$b$c" },
    { fn: "regex_replace", args: ["héllo wörld", "[öé]", "_"], out: "h_llo w_rld" },
  ]);
});

test("strcontains, startswith and endswith (later Packer) compare plain substrings", (t) => {
  runCallTable(t, functions, [
    { fn: "strcontains", args: ["hello world", "o w"], out: "true" },
    { fn: "strcontains", args: ["hello", "H"], out: "false" },
    { fn: "startswith", args: ["hello world", "hello"], out: "true" },
    { fn: "startswith", args: ["hello", ""], out: "true" },
    { fn: "endswith", args: ["hello world", "world"], out: "true" },
    { fn: "endswith", args: ["hello", "hell"], out: "false" },
    { fn: "strcontains", args: [null, "x"], error: "argument must not be null", argIndex: 0 },
  ]);
});

test("format pads by characters, quotes as JSON and switches %v numbers to exponent form as cty does", (t) => {
  runCallTable(t, functions, [
    { fn: "format", args: ["%-4s|%4s|", "né", "né"], out: "né  |  né|" },
    { fn: "format", args: ["%v", 1000000], out: "1e+06" },
    { fn: "format", args: ["%v", 123456], out: "123456" },
    { fn: "format", args: ["%.2f", 0.125], out: "0.12" },
    { fn: "format", args: ["%.2f", 0.375], out: "0.38" },
    { fn: "format", args: ["%05d", -42], out: "-0042" },
    { fn: "format", args: ["%#x %#o", 255, 8], out: "0xff 010" },
    { fn: "format", args: ["%.3d", 7], out: "007" },
    { fn: "format", args: ["%q", "tab\there"], out: '"tab\\there"' },
    { fn: "format", args: ["%[1]s %[1]s %s", "a", "b"], out: "a a b" },
    { fn: "format", args: ["%[3]s", "a"], error: 'not enough arguments for "%[3]s" at 0: need index 3 but have 1 total' },
    { fn: "format", args: ["%!", 1], error: "unrecognized format character '!' at offset 1" },
    { fn: "formatlist", args: ["%s: %d", ["a", "b"], [1, 2]], out: '[\n  "a: 1",\n  "b: 2",\n]' },
  ]);
});

test("an unknown argument makes the result unknown instead of failing", (t) => {
  const upper = functions.get("upper")!;
  t.deepEqual(upper.impl([{ kind: "unknown", type: { kind: "string" } }]), { kind: "unknown", type: { kind: "string" } });
  const join = functions.get("join")!;
  const partlyKnown = { kind: "tuple" as const, items: [{ kind: "string" as const, value: "a" }, { kind: "unknown" as const, type: { kind: "string" as const } }] };
  t.deepEqual(join.impl([{ kind: "string", value: "," }, partlyKnown]), { kind: "unknown", type: { kind: "string" } });
  const length = functions.get("length")!;
  t.deepEqual(length.impl([partlyKnown]), { kind: "number", value: 2 }, "length of a known tuple with an unknown element is known");
});
