/**
 * The evaluator on real HCL text, read by the syntax room's parser: the semantics of
 * evaluate.test.ts again where the parser's shapes matter (splats, templates, heredocs, object
 * keys, `...`), diagnostics underlining the right source text, and the `packer console` cases of
 * the conformance corpus that need no function library.
 */
import test from "ava";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EvalContext, HclDiagnostic, HclRange, Value } from "../../../../../shared/template/hcl2/contract.js";
import { evaluate, referenceName, variablesReferenced } from "../../../../../shared/template/hcl2/eval/index.js";
import { initHclParser, parseHclExpression, parseHclFile } from "../../../../../shared/template/hcl2/syntax/index.js";
import {
  boolVal,
  convert,
  formatValueForConsole,
  listVal,
  nullVal,
  numberVal,
  boolType,
  objectType,
  objectVal,
  parseTypeConstraint,
  rawEquals,
  stringType,
  stringVal,
  tupleVal,
  unknownVal,
} from "../../../../../shared/template/hcl2/value/index.js";
import { COMPAT_DIR } from "../../compat-corpus.js";
import { testFunctions } from "./test-functions.js";

test.before(async () => {
  await initHclParser();
});

const ctx: EvalContext = {
  variables: new Map<string, Value>([
    ["var", objectVal({ x: stringVal("foo"), zones: listVal([stringVal("a"), stringVal("b")]), maybe: nullVal(stringType) })],
    ["local", objectVal({ items: tupleVal([objectVal({ id: stringVal("i-1") }), objectVal({ id: stringVal("i-2") })]) })],
    ["build", unknownVal(objectType({ ID: stringType, Host: stringType }))],
  ]),
  functions: testFunctions,
};

function run(src: string, c: EvalContext | undefined = ctx): { value: Value; diagnostics: HclDiagnostic[] } {
  const parsed = parseHclExpression("<test>", src);
  if (!parsed.expr || parsed.diagnostics.length > 0) throw new Error(`test expression does not parse: ${src}: ${JSON.stringify(parsed.diagnostics)}`);
  return evaluate(parsed.expr, c);
}

function value(t: import("ava").ExecutionContext, src: string, want: Value) {
  const r = run(src);
  t.deepEqual(r.diagnostics, [], src);
  t.true(rawEquals(r.value, want), `${src}: got ${formatValueForConsole(r.value)}, want ${formatValueForConsole(want)}`);
}

/** The source text a range covers (single-line test expressions). */
function textOf(src: string, r: HclRange | undefined): string {
  if (!r) return "<no range>";
  return src.slice(r.start.byte, r.end.byte);
}

test("references, arithmetic, conditionals and for expressions from text", (t) => {
  value(t, "var.x", stringVal("foo"));
  value(t, "var.zones[1]", stringVal("b"));
  value(t, '"${var.x}-bar"', stringVal("foo-bar"));
  value(t, "0.1 + 0.2", numberVal(0.3));
  value(t, "1 + 2 * 3 - 4 / 2", numberVal(5));
  value(t, '!(1 > 2) && "a" != "b"', boolVal(true));
  value(t, 'var.x == "foo" ? "yes" : "no"', stringVal("yes"));
  value(t, "[for z in var.zones : upper(z)]", tupleVal([stringVal("A"), stringVal("B")]));
  value(t, '{for i, z in var.zones : z => i if z != "b"}', objectVal({ a: numberVal(0) }));
  value(t, '{for s in ["a", "b", "a"] : s => s...}', objectVal({ a: tupleVal([stringVal("a"), stringVal("a")]), b: tupleVal([stringVal("b")]) }));
});

test("splats from text: full and attribute-only, single values, null", (t) => {
  value(t, "local.items[*].id", tupleVal([stringVal("i-1"), stringVal("i-2")]));
  value(t, "local.items.*.id", tupleVal([stringVal("i-1"), stringVal("i-2")]));
  value(t, "var.x[*]", tupleVal([stringVal("foo")]));
  value(t, "var.maybe[*]", tupleVal([]));
  value(t, "var.zones[*]", listVal([stringVal("a"), stringVal("b")]));
});

test("templates from text: directives, heredocs, strip markers, a lone interpolation", (t) => {
  value(t, '"%{ for z in var.zones }<${z}>%{ endfor }"', stringVal("<a><b>"));
  value(t, '"%{ if var.x == "foo" }yes%{ else }no%{ endif }"', stringVal("yes"));
  value(t, "<<-EOT\n    echo ${var.x}\n    done\n  EOT\n", stringVal("echo foo\ndone\n"));
  value(t, '"a  ${~ var.x ~}  b"', stringVal("afoob"));
  value(t, '"${var.zones}"', listVal([stringVal("a"), stringVal("b")]));
  value(t, '"id-${build.ID}"', unknownVal(stringType));
});

test("object keys from text: bare names, quoted strings, parenthesised references", (t) => {
  value(t, '{ a = 1, "b c" = 2, (var.x) = 3 }', objectVal({ a: numberVal(1), "b c": numberVal(2), foo: numberVal(3) }));
});

test("calls with ... from text", (t) => {
  value(t, 'join("-", var.zones, ["c"])', stringVal("a-b-c"));
  value(t, 'upper(["x"]...)', stringVal("X"));
});

test("diagnostics underline the source hcl underlines", (t) => {
  const cases: [string, string, string, string][] = [
    // [expression, summary, detail, underlined text]
    ["nope", "Unknown variable", 'There is no variable named "nope".', "nope"],
    ["var.nope", "Unsupported attribute", 'This object does not have an attribute named "nope".', ".nope"],
    ["var.zones[5]", "Invalid index", "The given key does not identify an element in this collection value.", "[5]"],
    ["nada(1)", "Call to unknown function", 'There is no function named "nada".', "nada"],
    ['"a" + 1', "Invalid operand", "Unsuitable value for left operand: a number is required.", '"a"'],
    ['upper("a", "b")', "Too many function arguments", 'Function "upper" expects only 1 argument(s).', '"b"'],
    ["upper()", "Not enough function arguments", 'Function "upper" expects 1 argument(s). Missing value for "str".', ")"],
    ['"x${null}"', "Invalid template interpolation value", "The expression result is null. Cannot include a null value in a string template.", "null"],
    ['{for s in ["a", "a"] : s => 1}', "Duplicate object key", `Two different items produced the key "a" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.`, "s"],
    ["true ? 1 : [1]", "Inconsistent conditional result types", "The true and false result expressions must have consistent types. The given expressions are number and tuple, respectively.", "1 : [1]"],
  ];
  for (const [src, summary, detail, underlined] of cases) {
    const r = run(src);
    t.is(r.diagnostics.length, 1, src);
    t.is(r.diagnostics[0].summary, summary, src);
    t.is(r.diagnostics[0].detail, detail, src);
    t.is(textOf(src, r.diagnostics[0].subject), underlined, src);
  }
});

test("variablesReferenced on text finds var and local references outside for-scopes", (t) => {
  const parsed = parseHclExpression("<test>", '"${var.a}-${local.b[0]}-%{for x in local.c}${x}${path.root}%{endfor}"');
  t.deepEqual(variablesReferenced(parsed.expr!).map(referenceName), ["var.a", "local.b", "local.c", "path.root"]);
});

// ---- the `packer console` corpus cases that need no function library

interface ConsoleCase {
  id: string;
  expression: string;
  exit_code: number;
  packer_stdout: string;
}

const corpusFile = join(COMPAT_DIR, "interpolation.json");
const present = existsSync(corpusFile);
if (!present) console.log(`evaluate-text: ${corpusFile} is not here (set KILN_COMPAT_DIR), the console corpus test is skipped`);

/** Left to other rooms: the function library (hcl-functions), sensitive masking, path and packer roots (hcl-packer). */
const NOT_THIS_ROOM = new Set([
  "hcl-sensitive-var",
  "hcl-split",
  "hcl-join",
  "hcl-replace",
  "hcl-regex-replace",
  "hcl-format",
  "hcl-jsonencode",
  "hcl-length",
  "hcl-formatdate",
  "hcl-timestamp",
  "hcl-uuidv4",
  "hcl-path-root",
  "hcl-path-cwd",
  "hcl-packer-version",
  "hcl-legacy-go-template",
]);

/**
 * The corpus template's variables and locals, evaluated the way Packer does: defaults without a
 * context, converted to their type; locals in dependency order (found with variablesReferenced).
 * A stand-in for the Packer layer, just enough to give the console cases their context.
 */
function consoleContext(templateText: string): EvalContext {
  const { file, diagnostics } = parseHclFile("template.pkr.hcl", templateText);
  if (diagnostics.length > 0) throw new Error(JSON.stringify(diagnostics));
  const { content } = file.body.content({
    attributes: [],
    blocks: [
      { type: "variable", labelNames: ["name"] },
      { type: "locals", labelNames: [] },
      { type: "source", labelNames: ["type", "name"] },
      { type: "build", labelNames: [] },
    ],
  });
  const vars = new Map<string, Value>();
  for (const block of content.blocks.filter((b) => b.type === "variable")) {
    const { content: v } = block.body.content({ attributes: [{ name: "type" }, { name: "default" }, { name: "sensitive" }], blocks: [] });
    let val = evaluate(v.attributes.get("default")!.expr, undefined).value;
    const typeAttr = v.attributes.get("type");
    if (typeAttr) val = convert(val, parseTypeConstraint(typeAttr.expr, { exact: true }).type);
    vars.set(block.labels[0], val);
  }
  const localsAttrs = content.blocks.filter((b) => b.type === "locals").flatMap((b) => [...b.body.justAttributes().attributes.values()]);
  const locals = new Map<string, Value>();
  const c: EvalContext = { variables: new Map([["var", objectVal(vars)], ["build", objectVal({})]]), functions: testFunctions };
  const pending = [...localsAttrs];
  while (pending.length > 0) {
    const ready = pending.findIndex((a) => variablesReferenced(a.expr).every((r) => r.root !== "local" || locals.has(r.attr!)));
    if (ready < 0) throw new Error("local cycle");
    const [attr] = pending.splice(ready, 1);
    c.variables.set("local", objectVal(locals));
    locals.set(attr.name, evaluate(attr.expr, c).value);
  }
  c.variables.set("local", objectVal(locals));
  return c;
}

/** Packer's diagnostic text → summary and (unwrapped) detail. */
function packerError(stdout: string): { summary: string; detail: string } {
  const lines = stdout.split("\n");
  const summary = lines[0].replace(/^Error: /, "");
  const after = lines.indexOf("  (source code not available)");
  const detailLines: string[] = [];
  for (let i = after + 2; i < lines.length && lines[i] !== ""; i++) detailLines.push(lines[i]);
  return { summary, detail: detailLines.join(" ") };
}

(present ? test : test.skip)("packer console corpus: values and errors agree with packer 1.6.6", (t) => {
  const corpus = JSON.parse(readFileSync(corpusFile, "utf8")) as { hcl2_console: { template: string; cases: ConsoleCase[] } };
  const c = consoleContext(corpus.hcl2_console.template);
  const cases = corpus.hcl2_console.cases.filter((k) => !NOT_THIS_ROOM.has(k.id));
  t.true(cases.length >= 11, "the corpus still has the cases this test is about");
  for (const k of cases) {
    const parsed = parseHclExpression("<console-input>", k.expression);
    t.deepEqual(parsed.diagnostics, [], k.id);
    const r = evaluate(parsed.expr!, c);
    if (k.exit_code === 0) {
      t.deepEqual(r.diagnostics, [], k.id);
      t.is(`${formatValueForConsole(r.value)}\n`, k.packer_stdout, k.id);
    } else {
      const want = packerError(k.packer_stdout);
      t.is(r.diagnostics.length, 1, k.id);
      t.is(r.diagnostics[0].summary, want.summary, k.id);
      t.is(r.diagnostics[0].detail, want.detail, k.id);
    }
  }
});

test("can, try and convert get their arguments as expressions, not values", (t) => {
  value(t, "can(var.nope)", boolVal(false));
  value(t, "can(var.zones[0])", boolVal(true));
  value(t, 'try(var.nope, var.zones[5], "fallback")', stringVal("fallback"));
  value(t, "try(var.x, var.nope)", stringVal("foo"));
  // An argument that depends on something not yet known makes the result unknown, not false.
  value(t, "can(build.ID)", unknownVal(boolType));
  value(t, 'try(build.Host, "x")', unknownVal());
  value(t, "convert([1, \"a\"], list(string))", listVal([stringVal("1"), stringVal("a")]));
  const failed = run("try(var.nope)");
  t.deepEqual(
    failed.diagnostics.map((d) => [d.summary, d.detail]),
    [["Error in function call", 'Call to function "try" failed: no expression succeeded.']],
  );
  const src = 'convert("a", number)';
  const bad = run(src);
  t.deepEqual(
    bad.diagnostics.map((d) => [d.summary, d.detail, textOf(src, d.subject)]),
    [["Invalid function argument", 'Invalid value for "value" parameter: a number is required.', '"a"']],
  );
  const typeSrc = "convert(1, strin)";
  const badType = run(typeSrc);
  t.deepEqual(
    badType.diagnostics.map((d) => [d.summary, d.detail, textOf(typeSrc, d.subject)]),
    [["Invalid type specification", 'The keyword "strin" is not a valid type specification.', "strin"]],
  );
  t.is(run("can()").diagnostics[0].summary, "Not enough function arguments");
});
