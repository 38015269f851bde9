// Collection, set, number and conversion functions beyond the packer-console recording: the later
// Packer/Terraform functions, sets and maps as values (not just literals), and result types.
import test from "ava";
import type { Value } from "../../../../../shared/template/hcl2/contract.js";
import { packerFunctions } from "../../../../../shared/template/hcl2/functions/index.js";
import { runCallTable } from "./call-table.js";

const functions = packerFunctions({ baseDir: "/nonexistent" });
const s = (value: string): Value => ({ kind: "string", value });
const n = (value: number): Value => ({ kind: "number", value });
const setOfStrings = (...items: string[]): Value => ({ kind: "set", element: { kind: "string" }, items: items.map(s) });
const mapOfNumbers = (o: Record<string, number>): Value => ({ kind: "map", element: { kind: "number" }, attrs: new Map(Object.entries(o).map(([k, v]) => [k, n(v)])) });

test("sum, alltrue, anytrue and one follow Packer's current docs", (t) => {
  runCallTable(t, functions, [
    { fn: "sum", args: [[10, 13, 6, 4.5]], out: "33.5" },
    { fn: "sum", args: [["1", 2]], out: "3" },
    { fn: "sum", args: [[0.1, 0.2]], out: "0.3" },
    { fn: "sum", args: [[]], error: "cannot sum an empty list" },
    { fn: "sum", args: [["a"]], error: "argument must be list, set, or tuple of number values" },
    { fn: "sum", args: ["x"], error: "cannot sum noniterable" },
    { fn: "alltrue", args: [[true, "true"]], out: "true" },
    { fn: "alltrue", args: [[]], out: "true" },
    { fn: "alltrue", args: [[true, false]], out: "false" },
    { fn: "anytrue", args: [[false, "true"]], out: "true" },
    { fn: "anytrue", args: [[]], out: "false" },
    { fn: "alltrue", args: [["yes"]], error: "element 0: a bool is required", argIndex: 0 },
    { fn: "one", args: [[]], out: "null" },
    { fn: "one", args: [["hello"]], out: "hello" },
    { fn: "one", args: [["a", "b"]], error: "must be a list, set, or tuple value with either zero or one elements", argIndex: 0 },
  ]);
});

test("transpose, setsubtract and the to* conversions", (t) => {
  runCallTable(t, functions, [
    { fn: "transpose", args: [{ a: ["1", "2"], b: ["2", "3"] }], out: '{\n  "1" = [\n    "a",\n  ]\n  "2" = [\n    "a",\n    "b",\n  ]\n  "3" = [\n    "b",\n  ]\n}' },
    { fn: "setsubtract", args: [["a", "b", "c"], ["a", "c"]], out: '[\n  "b",\n]' },
    { fn: "tostring", args: [12.5], out: "12.5" },
    { fn: "tostring", args: [null], out: "null" },
    { fn: "tostring", args: [["a"]], error: "cannot convert tuple to string", argIndex: 0 },
    { fn: "tonumber", args: ["0x10"], error: 'cannot convert "0x10" to number; given string must be a decimal representation of a number', argIndex: 0 },
    { fn: "tonumber", args: ["-1.5e3"], out: "-1500" },
    { fn: "tobool", args: ["false"], out: "false" },
    { fn: "tobool", args: ["yes"], error: 'cannot convert "yes" to bool; only the strings "true" or "false" are allowed', argIndex: 0 },
    { fn: "tolist", args: [["a", 1]], out: '[\n  "a",\n  "1",\n]' },
    { fn: "toset", args: [["b", "a", "b"]], out: '[\n  "a",\n  "b",\n]' },
    { fn: "tomap", args: [{ a: 1, b: "x" }], out: '{\n  "a" = "1"\n  "b" = "x"\n}' },
    { fn: "tomap", args: [["a"]], error: "cannot convert tuple to map of any type", argIndex: 0 },
  ]);
});

test("set functions take sets and lists, unify element types and keep each value once", (t) => {
  runCallTable(t, functions, [
    { fn: "setunion", args: [setOfStrings("b", "a"), ["c", "a"]], out: '[\n  "a",\n  "b",\n  "c",\n]' },
    { fn: "setintersection", args: [setOfStrings("a", "b"), setOfStrings("b", "z")], out: '[\n  "b",\n]' },
    { fn: "setproduct", args: [setOfStrings("x", "y"), ["1"]], out: '[\n  [\n    "x",\n    "1",\n  ],\n  [\n    "y",\n    "1",\n  ],\n]' },
    { fn: "contains", args: [setOfStrings("a", "b"), "b"], out: "true" },
    { fn: "setunion", args: [[["a"]], ["b"]], error: "given sets must all have compatible element types" },
  ]);
  const deduplicated = functions.get("toset")!.impl([{ kind: "tuple", items: [s("a"), s("a"), s("b")] }]);
  t.deepEqual(functions.get("length")!.impl([deduplicated]), n(2), "a set holds each value once");
  const union = functions.get("setunion")!.impl([setOfStrings("b"), setOfStrings("a")]);
  t.is(union.kind, "set", "setunion returns a set");
});

test("maps keep their element type through keys, values, lookup, merge and zipmap", (t) => {
  const m = mapOfNumbers({ b: 2, a: 1 });
  t.deepEqual(functions.get("keys")!.impl([m]), { kind: "list", element: { kind: "string" }, items: [s("a"), s("b")] });
  t.deepEqual(functions.get("values")!.impl([m]), { kind: "list", element: { kind: "number" }, items: [n(1), n(2)] });
  t.deepEqual(functions.get("lookup")!.impl([m, s("zz"), s("7")]), n(7), "the default converts to the map's element type");
  const merged = functions.get("merge")!.impl([m, mapOfNumbers({ c: 3 })]);
  t.is(merged.kind, "map", "merging maps of one type gives a map");
  const mixed = functions.get("merge")!.impl([m, { kind: "object", attrs: new Map([["s", s("x")]]) }]);
  t.is(mixed.kind, "object", "merging different types gives an object");
  runCallTable(t, functions, [
    { fn: "lookup", args: [m, "a", ["x"]], error: "the default value must have the same type as the map elements", argIndex: 2 },
    { fn: "flatten", args: [[["a", ["b", ["c"]]], "d"]], out: '[\n  "a",\n  "b",\n  "c",\n  "d",\n]' },
    { fn: "reverse", args: [setOfStrings("a", "b")], out: '[\n  "b",\n  "a",\n]' },
    { fn: "slice", args: [setOfStrings("a"), 0, 1], error: /^cannot slice a set/, argIndex: 0 },
    { fn: "index", args: [["a", "b", "c"], "c"], out: "2" },
    { fn: "index", args: [["a"], "z"], error: "item not found" },
    { fn: "element", args: [["a", "b"], -1], error: "cannot use element function with a negative index" },
  ]);
});

test("numbers: min/max/log/pow/parseint edge cases", (t) => {
  runCallTable(t, functions, [
    { fn: "min", args: [], error: "must pass at least one number" },
    { fn: "log", args: [1, 10], out: "0" },
    { fn: "pow", args: [0, 0], out: "1" },
    { fn: "parseint", args: ["777", 8], out: "511" },
    { fn: "parseint", args: ["Z", 36], out: "35" },
    { fn: "parseint", args: ["z", 62], out: "35" },
    { fn: "parseint", args: ["Z", 62], out: "61" },
    { fn: "parseint", args: ["12", 63], error: "base must be a whole number between 2 and 62 inclusive", argIndex: 1 },
    { fn: "signum", args: [12], out: "1" },
    { fn: "ceil", args: [-1.5], out: "-1" },
  ]);
});
