import test from "ava";
import type { EvalContext, Expression, Value } from "../../../../../shared/template/hcl2/contract.js";
import { evaluate } from "../../../../../shared/template/hcl2/eval/index.js";
import {
  boolVal,
  formatValueForConsole,
  listType,
  listVal,
  mapVal,
  nullVal,
  numberVal,
  objectType,
  objectVal,
  rawEquals,
  setVal,
  stringType,
  stringVal,
  tupleVal,
  typeOf,
  unknownVal,
  numberType,
  boolType,
} from "../../../../../shared/template/hcl2/value/index.js";
import * as b from "../ast-builder.js";
import { testFunctions } from "./test-functions.js";

function context(vars: Record<string, Value> = {}): EvalContext {
  const base: Record<string, Value> = {
    var: objectVal({ x: stringVal("foo"), zones: listVal([stringVal("a"), stringVal("b")]), n: numberVal(3), flag: boolVal(true), nothing: nullVal(stringType) }),
    local: objectVal({ tags: mapVal({ owner: stringVal("corpus"), env: stringVal("test") }), later: unknownVal(stringType) }),
    build: unknownVal(objectType({ ID: stringType, Host: stringType })),
  };
  return { variables: new Map(Object.entries({ ...base, ...vars })), functions: testFunctions };
}

const ctx = context();

function ok(t: import("ava").ExecutionContext, e: Expression, c: EvalContext | null = ctx): Value {
  const r = evaluate(e, c ?? undefined);
  t.deepEqual(r.diagnostics, []);
  return r.value;
}

function same(t: import("ava").ExecutionContext, got: Value, want: Value) {
  t.true(rawEquals(got, want), `got ${formatValueForConsole(got)} (${JSON.stringify(typeOf(got))}), want ${formatValueForConsole(want)}`);
}

/** `c` null evaluates without a context (hcl's nil EvalContext). */
function oneError(t: import("ava").ExecutionContext, e: Expression, c: EvalContext | null = ctx) {
  const r = evaluate(e, c ?? undefined);
  t.is(r.diagnostics.length, 1, JSON.stringify(r.diagnostics));
  t.is(r.diagnostics[0].severity, "error");
  return { ...r.diagnostics[0], value: r.value };
}

// ---- references

test("references walk attributes and indices of objects, maps, lists and tuples", (t) => {
  same(t, ok(t, b.ref("var", "x")), stringVal("foo"));
  same(t, ok(t, b.ref("var", "zones", 1)), stringVal("b"));
  same(t, ok(t, b.ref("local", "tags", "owner")), stringVal("corpus"));
  same(t, ok(t, b.ref("local", "tags", { key: "env" })), stringVal("test"));
  same(t, ok(t, b.index(b.tuple(b.num(1), b.str("x")), b.str("1"))), stringVal("x"));
});

test("an unknown variable says there is no such variable, with a suggestion when one is close", (t) => {
  const e = b.ref("nope");
  const d = oneError(t, e);
  t.is(d.summary, "Unknown variable");
  t.is(d.detail, 'There is no variable named "nope".');
  t.deepEqual(d.subject, e.range);
  t.is(oneError(t, b.ref("loca", "x")).detail, 'There is no variable named "loca". Did you mean "local"?');
});

test("a missing attribute is 'Unsupported attribute', underlining the step", (t) => {
  const e = b.ref("var", "nope");
  const d = oneError(t, e);
  t.is(d.summary, "Unsupported attribute");
  t.is(d.detail, 'This object does not have an attribute named "nope".');
  t.deepEqual(d.subject, e.steps[0].range);
  t.true(rawEquals(d.value, unknownVal()));
  t.is(oneError(t, b.ref("var", "x", "y")).detail, "This value does not have any attributes.");
  const m = oneError(t, b.ref("local", "tags", "nope"));
  t.is(m.summary, "Missing map element");
  t.is(m.detail, 'This map does not have an element with the key "nope".');
  const n = oneError(t, b.ref("var", "nothing", "x"));
  t.is(n.summary, "Attempt to get attribute from null value");
  t.is(n.detail, "This value is null, so it does not have any attributes.");
});

test("bad indices are 'Invalid index' with hcl's details", (t) => {
  const detail = (e: Expression) => {
    const d = oneError(t, e);
    t.is(d.summary, "Invalid index");
    return d.detail;
  };
  t.is(detail(b.ref("var", "zones", 2)), "The given key does not identify an element in this collection value.");
  t.is(
    detail(b.index(b.ref("var", "zones"), b.num(1.5))),
    "The given key does not identify an element in this collection value: indexing a sequence requires a whole number, but the given index (1.5) has a fractional part.",
  );
  t.is(detail(b.index(b.ref("var", "zones"), b.str("x"))), "The given key does not identify an element in this collection value: a number is required.");
  t.is(detail(b.index(b.ref("var", "x"), b.num(0))), "This value does not have any indices.");
  t.is(detail(b.index(b.obj(["a", b.num(1)]), b.str("b"))), "The given key does not identify an element in this collection value.");
  t.is(detail(b.index(b.ref("var", "zones"), b.nul())), "Can't use a null value as an indexing key.");
  const n = oneError(t, b.index(b.ref("var", "nothing"), b.num(0)));
  t.is(n.summary, "Attempt to index null value");
});

test("unknown values flow through traversals with the right type", (t) => {
  same(t, ok(t, b.ref("build", "ID")), unknownVal(stringType));
  same(t, ok(t, b.index(b.ref("var", "zones"), b.ref("local", "later"))), unknownVal(stringType));
  same(t, ok(t, b.ref("local", "later")), unknownVal(stringType));
  t.is(oneError(t, b.ref("build", "Nope")).summary, "Unsupported attribute");
});

test("without a context, references and calls are not allowed", (t) => {
  const v = oneError(t, b.ref("var", "x"), null);
  t.is(v.summary, "Variables not allowed");
  t.is(v.detail, "Variables may not be used here.");
  const f = oneError(t, b.call("upper", [b.str("a")]), null);
  t.is(f.summary, "Function calls not allowed");
  same(t, ok(t, b.bin(b.num(1), "+", b.num(2)), null), numberVal(3));
  // A for expression's own symbols still work without a context; functions still do not.
  same(t, ok(t, b.forTuple("v", b.tuple(b.num(1)), b.ref("v")), null), tupleVal([numberVal(1)]));
  t.is(oneError(t, b.forTuple("v", b.tuple(b.num(1)), b.call("upper", [b.ref("v")])), null).summary, "Function calls not allowed");
});

// ---- operators

test("arithmetic and comparison convert operands to numbers", (t) => {
  same(t, ok(t, b.bin(b.num(0.1), "+", b.num(0.2))), numberVal(0.3));
  same(t, ok(t, b.bin(b.str("2"), "*", b.num(3))), numberVal(6));
  same(t, ok(t, b.bin(b.num(10), "/", b.num(4))), numberVal(2.5));
  same(t, ok(t, b.bin(b.num(-5), "%", b.num(3))), numberVal(-2));
  same(t, ok(t, b.bin(b.num(1), "<", b.str("2"))), boolVal(true));
  same(t, ok(t, b.neg(b.num(3))), numberVal(-3));
  same(t, ok(t, b.not(b.bool(true))), boolVal(false));
  same(t, ok(t, b.bin(b.bool(true), "&&", b.str("false"))), boolVal(false));
});

test("operands that do not convert are 'Invalid operand'", (t) => {
  const left = b.str("a");
  const d = oneError(t, b.bin(left, "+", b.num(1)));
  t.is(d.summary, "Invalid operand");
  t.is(d.detail, "Unsuitable value for left operand: a number is required.");
  t.deepEqual(d.subject, left.range);
  t.is(oneError(t, b.bin(b.num(1), "+", b.tuple())).detail, "Unsuitable value for right operand: number required.");
  t.is(oneError(t, b.not(b.num(1))).detail, "Unsuitable value for unary operand: bool required.");
  same(t, oneError(t, b.bin(b.str("a"), "+", b.num(1))).value, unknownVal(numberType));
});

test("null operands and impossible arithmetic are 'Operation failed'", (t) => {
  const d = oneError(t, b.bin(b.num(1), "+", b.nul()));
  t.is(d.summary, "Operation failed");
  t.is(d.detail, "Error during operation: argument must not be null.");
  t.is(oneError(t, b.bin(b.nul(), "||", b.bool(true))).detail, "Error during operation: argument must not be null.");
  t.is(oneError(t, b.bin(b.num(0), "/", b.num(0))).detail, "Error during operation: can't divide zero by zero or infinity by infinity.");
});

test("== compares with cty's rules: other types are unequal, nulls equal, unknowns unknown", (t) => {
  same(t, ok(t, b.bin(b.num(1), "==", b.str("1"))), boolVal(false));
  same(t, ok(t, b.bin(b.ref("var", "x"), "==", b.str("foo"))), boolVal(true));
  same(t, ok(t, b.bin(b.nul(), "==", b.nul())), boolVal(true));
  same(t, ok(t, b.bin(b.ref("var", "nothing"), "!=", b.nul())), boolVal(false));
  same(t, ok(t, b.bin(b.tuple(b.num(1), b.str("a")), "==", b.tuple(b.num(1), b.str("a")))), boolVal(true));
  same(t, ok(t, b.bin(b.ref("local", "later"), "==", b.str("x"))), unknownVal(boolType));
  same(t, ok(t, b.bin(b.ref("local", "later"), "+", b.num(1))), unknownVal(numberType));
});

// ---- conditionals

test("conditionals pick a branch and unify both branches' types", (t) => {
  same(t, ok(t, b.cond(b.bin(b.ref("var", "x"), "==", b.str("foo")), b.str("yes"), b.str("no"))), stringVal("yes"));
  // number and string unify to string, so the number branch comes back as a string.
  same(t, ok(t, b.cond(b.bool(true), b.num(1), b.str("a"))), stringVal("1"));
  same(t, ok(t, b.cond(b.bool(false), b.nul(), b.num(1))), numberVal(1));
  same(t, ok(t, b.cond(b.bool(true), b.nul(), b.num(1))), nullVal(numberType));
  same(t, ok(t, b.cond(b.ref("local", "later"), b.str("a"), b.str("b"))), unknownVal(stringType));
});

test("conditional errors: inconsistent types, null and non-bool conditions", (t) => {
  const yes = b.num(1);
  const no = b.tuple(b.num(1));
  const d = oneError(t, b.cond(b.bool(true), yes, no));
  t.is(d.summary, "Inconsistent conditional result types");
  t.is(d.detail, "The true and false result expressions must have consistent types. The given expressions are number and tuple, respectively.");
  t.deepEqual(d.subject, { file: yes.range.file, start: yes.range.start, end: no.range.end });
  const n = oneError(t, b.cond(b.nul(), b.num(1), b.num(2)));
  t.is(n.summary, "Null condition");
  t.is(n.detail, "The condition value is null. Conditions must either be true or false.");
  const s = oneError(t, b.cond(b.str("x"), b.num(1), b.num(2)));
  t.is(s.summary, "Incorrect condition type");
  t.is(s.detail, "The condition expression must be of type bool.");
});

test("the branch not taken does not report its errors", (t) => {
  same(t, ok(t, b.cond(b.bool(true), b.str("a"), b.ref("nope"))), stringVal("a"));
});

// ---- collections

test("tuple and object constructors; bare keys are names, other keys evaluated", (t) => {
  same(t, ok(t, b.tuple(b.num(1), b.str("a"))), tupleVal([numberVal(1), stringVal("a")]));
  same(t, ok(t, b.obj(["a", b.num(1)], [b.parens(b.ref("var", "x")), b.num(2)], [b.template(b.tLit("k"), b.tInterp(b.num(3))), b.num(3)])), objectVal({ a: numberVal(1), foo: numberVal(2), k3: numberVal(3) }));
  const amb = oneError(t, b.obj([b.ref("var", "x"), b.num(1)]));
  t.is(amb.summary, "Ambiguous attribute key");
  const nk = oneError(t, b.obj([b.parens(b.nul()), b.num(1)]));
  t.is(nk.summary, "Null value as key");
  const bad = oneError(t, b.obj([b.parens(b.tuple()), b.num(1)]));
  t.is(bad.summary, "Incorrect key type");
  t.is(bad.detail, "Can't use this value as a key: string required.");
});

// ---- for expressions

test("for expressions build tuples and objects, filtered by if", (t) => {
  same(t, ok(t, b.forTuple("z", b.ref("var", "zones"), b.call("upper", [b.ref("z")]))), tupleVal([stringVal("A"), stringVal("B")]));
  same(
    t,
    ok(t, b.forTuple("v", b.tuple(b.num(1), b.num(2), b.num(3)), b.bin(b.ref("i"), "*", b.ref("v")), { keyVar: "i", condition: b.bin(b.ref("v"), "!=", b.num(2)) })),
    tupleVal([numberVal(0), numberVal(6)]),
  );
  // Maps iterate in key order.
  same(
    t,
    ok(t, b.forObject("v", b.ref("local", "tags"), b.call("upper", [b.ref("k")]), b.ref("v"), { keyVar: "k" })),
    objectVal({ ENV: stringVal("test"), OWNER: stringVal("corpus") }),
  );
  same(t, ok(t, b.forTuple("v", b.ref("local", "tags"), b.ref("v"))), tupleVal([stringVal("test"), stringVal("corpus")]));
  same(t, ok(t, b.forTuple("v", b.lit(setVal([stringVal("b"), stringVal("a")])), b.ref("v"))), tupleVal([stringVal("a"), stringVal("b")]));
});

test("for with ... groups values by key; without it a duplicate key is an error", (t) => {
  const coll = b.tuple(b.str("a"), b.str("b"), b.str("a"));
  same(
    t,
    ok(t, b.forObject("s", coll, b.ref("s"), b.ref("s"), { group: true })),
    objectVal({ a: tupleVal([stringVal("a"), stringVal("a")]), b: tupleVal([stringVal("b")]) }),
  );
  const key = b.ref("s");
  const d = oneError(t, b.forObject("s", coll, key, b.num(1)));
  t.is(d.summary, "Duplicate object key");
  t.is(
    d.detail,
    `Two different items produced the key "a" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.`,
  );
  t.deepEqual(d.subject, key.range);
});

test("for over null, over a number, with bad conditions and keys", (t) => {
  const n = oneError(t, b.forTuple("s", b.nul(), b.ref("s")));
  t.is(n.summary, "Iteration over null value");
  t.is(n.detail, "A null value cannot be used as the collection in a 'for' expression.");
  const one = oneError(t, b.forTuple("s", b.num(1), b.ref("s")));
  t.is(one.summary, "Iteration over non-iterable value");
  t.is(one.detail, "A value of type number cannot be used as the collection in a 'for' expression.");
  const c = oneError(t, b.forTuple("s", b.ref("var", "zones"), b.ref("s"), { condition: b.str("maybe") }));
  t.is(c.summary, "Invalid 'for' condition");
  t.is(c.detail, "The 'if' clause value is invalid: a bool is required.");
  const k = oneError(t, b.forObject("s", b.ref("var", "zones"), b.tuple(), b.ref("s")));
  t.is(k.summary, "Invalid object key");
  t.is(k.detail, "The key expression produced an invalid result: string required.");
  same(t, ok(t, b.forTuple("s", b.lit(unknownVal(listType(stringType))), b.ref("s"))), unknownVal());
  // An unknown string is still a string: not iterable.
  t.is(oneError(t, b.forTuple("s", b.ref("local", "later"), b.ref("s"))).summary, "Iteration over non-iterable value");
});

// ---- splats

test("splats map over lists and tuples, wrap a single value, and make null an empty tuple", (t) => {
  const items = b.tuple(b.obj(["a", b.num(1)]), b.obj(["a", b.num(2)]));
  same(t, ok(t, b.splat(items, b.rel(b.splatItem(), "a"))), tupleVal([numberVal(1), numberVal(2)]));
  same(t, ok(t, b.splat(b.ref("var", "zones"), b.call("upper", [b.splatItem()]))), listVal([stringVal("A"), stringVal("B")]));
  same(t, ok(t, b.splat(b.str("a"))), tupleVal([stringVal("a")]));
  same(t, ok(t, b.splat(b.ref("var", "nothing"))), tupleVal([]));
  // An untyped null has no type to decide by: unknown, as Packer prints <unknown> for null[*].
  same(t, ok(t, b.splat(b.nul())), unknownVal());
  same(t, ok(t, b.splat(b.lit(unknownVal(listType(objectType({ id: stringType })))), b.rel(b.splatItem(), "id"))), unknownVal(listType(stringType)));
  const bad = evaluate(b.splat(items, b.rel(b.splatItem(), "b")), ctx);
  t.deepEqual(
    bad.diagnostics.map((d) => d.summary),
    ["Unsupported attribute", "Unsupported attribute"],
    "one per element, as hcl reports them",
  );
  t.is(bad.value.kind, "unknown");
});

// ---- templates

test("templates join literal text and interpolations converted to strings", (t) => {
  same(t, ok(t, b.template(b.tInterp(b.ref("var", "x")), b.tLit("/"), b.tInterp(b.ref("var", "n")), b.tLit("/"), b.tInterp(b.ref("var", "flag")))), stringVal("foo/3/true"));
  same(t, ok(t, b.template(b.tLit("x"), b.tInterp(b.bin(b.num(1), "/", b.num(4))))), stringVal("x0.25"));
  same(t, ok(t, b.template(b.tLit("id-"), b.tInterp(b.ref("build", "ID")))), unknownVal(stringType));
});

test("a template that is a single interpolation returns the value unconverted", (t) => {
  same(t, ok(t, b.template(b.tInterp(b.ref("var", "zones")))), listVal([stringVal("a"), stringVal("b")]));
  same(t, ok(t, b.template(b.tInterp(b.num(5)))), numberVal(5));
  same(t, ok(t, b.template(b.tInterp(b.nul()))), nullVal());
});

test("null and non-string interpolations are 'Invalid template interpolation value'", (t) => {
  const nul = b.nul();
  const d = oneError(t, b.template(b.tLit("x"), b.tInterp(nul)));
  t.is(d.summary, "Invalid template interpolation value");
  t.is(d.detail, "The expression result is null. Cannot include a null value in a string template.");
  t.deepEqual(d.subject, nul.range);
  t.is(oneError(t, b.template(b.tLit("x"), b.tInterp(b.tuple(b.num(1))))).detail, "Cannot include the given value in a string template: string required.");
});

test("%{if} and %{for} directives", (t) => {
  same(t, ok(t, b.template(b.tLit("a"), b.tIf(b.ref("var", "flag"), [b.tLit("-on")], [b.tLit("-off")]))), stringVal("a-on"));
  same(t, ok(t, b.template(b.tIf(b.not(b.ref("var", "flag")), [b.tLit("on")]), b.tLit("!"))), stringVal("!"));
  same(t, ok(t, b.template(b.tFor("z", b.ref("var", "zones"), [b.tLit("["), b.tInterp(b.ref("i")), b.tLit(":"), b.tInterp(b.ref("z")), b.tLit("]")], "i"))), stringVal("[0:a][1:b]"));
  same(t, ok(t, b.template(b.tIf(b.ref("local", "later"), [b.tLit("x")]))), unknownVal(stringType));
  const d = oneError(t, b.template(b.tIf(b.str("x"), [b.tLit("a")])));
  t.is(d.summary, "Incorrect condition type");
  const f = oneError(t, b.template(b.tFor("z", b.nul(), [b.tLit("a")])));
  t.is(f.summary, "Iteration over null value");
});

// ---- function calls

test("calls convert arguments to parameter types", (t) => {
  same(t, ok(t, b.call("upper", [b.str("abc")])), stringVal("ABC"));
  same(t, ok(t, b.call("upper", [b.num(12)])), stringVal("12"));
  same(t, ok(t, b.call("join", [b.str(","), b.ref("var", "zones"), b.tuple(b.str("c"))])), stringVal("a,b,c"));
});

test("an unknown function says so, with a suggestion when one is close", (t) => {
  const e = b.call("nope", []);
  const d = oneError(t, e);
  t.is(d.summary, "Call to unknown function");
  t.is(d.detail, 'There is no function named "nope".');
  t.deepEqual(d.subject, (e as Extract<Expression, { kind: "call" }>).nameRange);
  t.is(oneError(t, b.call("uper", [b.str("a")])).detail, 'There is no function named "uper". Did you mean "upper"?');
});

test("argument counts: not enough, too many, variadic minimum", (t) => {
  const few = oneError(t, b.call("upper", []));
  t.is(few.summary, "Not enough function arguments");
  t.is(few.detail, 'Function "upper" expects 1 argument(s). Missing value for "str".');
  t.is(oneError(t, b.call("join", [])).detail, 'Function "join" expects at least 1 argument(s). Missing value for "separator".');
  const extra = b.str("b");
  const many = oneError(t, b.call("upper", [b.str("a"), extra]));
  t.is(many.summary, "Too many function arguments");
  t.is(many.detail, 'Function "upper" expects only 1 argument(s).');
  t.deepEqual(many.subject, extra.range);
});

test("bad arguments are 'Invalid function argument' naming the parameter", (t) => {
  const arg = b.tuple();
  const d = oneError(t, b.call("upper", [arg]));
  t.is(d.summary, "Invalid function argument");
  t.is(d.detail, 'Invalid value for "str" parameter: string required.');
  t.deepEqual(d.subject, { ...arg.range, end: { line: arg.range.start.line, column: arg.range.start.column + 1, byte: arg.range.start.byte + 1 } });
  t.is(oneError(t, b.call("upper", [b.nul()])).detail, 'Invalid value for "str" parameter: argument must not be null.');
  const count = b.num(-1);
  const neg = oneError(t, b.call("pick", [b.ref("var", "zones"), count]));
  t.is(neg.detail, 'Invalid value for "count" parameter: must not be negative.');
  t.deepEqual(neg.subject, count.range);
  t.is(oneError(t, b.call("join", [b.str(","), b.str("x")])).detail, 'Invalid value for "lists" parameter: list of string required.');
});

test("a function's own failure is 'Error in function call'", (t) => {
  const d = oneError(t, b.call("fail", []));
  t.is(d.summary, "Error in function call");
  t.is(d.detail, 'Call to function "fail" failed: no luck today.');
  t.is(oneError(t, b.call("join", [b.str(",")])).detail, 'Call to function "join" failed: at least one list is required.');
});

test("... expands the final argument into several", (t) => {
  same(t, ok(t, b.call("upper", [b.tuple(b.str("a"))], true)), stringVal("A"));
  same(t, ok(t, b.call("count", [b.num(1), b.tuple(b.num(2), b.nul())], true)), numberVal(3));
  const d = oneError(t, b.call("upper", [b.str("a")], true));
  t.is(d.summary, "Invalid expanding argument value");
  t.is(d.detail, "The expanding argument (indicated by ...) must be of a tuple, list, or set type.");
  t.is(oneError(t, b.call("upper", [b.lit(nullVal(listType(stringType)))], true)).detail, "The expanding argument (indicated by ...) must not be null.");
  same(t, ok(t, b.call("upper", [b.lit(unknownVal(listType(stringType)))], true)), unknownVal());
});

test("unknown arguments give an unknown result of the return type unless the parameter accepts unknowns", (t) => {
  same(t, ok(t, b.call("upper", [b.ref("local", "later")])), unknownVal(stringType));
  // The untyped unknown converts to an unknown string first, as hcl converts before calling.
  same(t, ok(t, b.call("upper", [b.lit(unknownVal())])), unknownVal(stringType));
  same(t, ok(t, b.call("isknown", [b.ref("local", "later")])), boolVal(false));
  same(t, ok(t, b.call("isknown", [b.nul()])), boolVal(true));
});

test("diagnostics from several parts are all reported", (t) => {
  const r = evaluate(b.tuple(b.ref("nope"), b.call("nada", [])), ctx);
  t.deepEqual(
    r.diagnostics.map((d) => d.summary),
    ["Unknown variable", "Call to unknown function"],
  );
});
