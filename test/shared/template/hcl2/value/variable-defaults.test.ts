/**
 * Type constraints read from text and applied to variable defaults, as Packer 1.6.6 applies them.
 * Each expected value or message was printed by `packer console` 1.6.6 for a template whose
 * variable "v" has that type and default (recorded by hand from /usr/bin/packer, 1.6.6).
 */
import test from "ava";
import { evaluate } from "../../../../../shared/template/hcl2/eval/index.js";
import { initHclParser, parseHclExpression, parseHclJsonFile } from "../../../../../shared/template/hcl2/syntax/index.js";
import { ConversionError, convert, formatValueForConsole, parseTypeConstraint, typeConstraintString } from "../../../../../shared/template/hcl2/value/index.js";

test.before(async () => {
  await initHclParser();
});

const CASES: [type: string, defaultText: string, printed: string][] = [
  ["list(string)", '[1, "a", true]', '[\n  "1",\n  "a",\n  "true",\n]'],
  ["number", '"abc"', "error: a number is required"],
  ["map(number)", '{a = "1", b = 2}', '{\n  "a" = 1\n  "b" = 2\n}'],
  ["object({a=string, b=number})", "{a = 1}", 'error: attribute "b" is required'],
  ["set(string)", '["b","a","b"]', '[\n  "a",\n  "b",\n]'],
  ["tuple([string, number])", '["a", "x"]', "error: a number is required"],
  ["list(map(string))", "[{a=1},{b=true}]", '[\n  {\n    "a" = "1"\n  },\n  {\n    "b" = "true"\n  },\n]'],
];

function parse(text: string) {
  const r = parseHclExpression("t.pkr.hcl", text);
  if (!r.expr) throw new Error(`does not parse: ${text}`);
  return r.expr;
}

test("defaults convert to their variable's type as in Packer 1.6.6", (t) => {
  for (const [typeText, defaultText, printed] of CASES) {
    const type = parseTypeConstraint(parse(typeText), { exact: true });
    t.deepEqual(type.diagnostics, [], typeText);
    const dflt = evaluate(parse(defaultText), undefined);
    t.deepEqual(dflt.diagnostics, [], defaultText);
    let got: string;
    try {
      got = formatValueForConsole(convert(dflt.value, type.type));
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      got = `error: ${e.message}`;
    }
    t.is(got, printed, `${typeText} <- ${defaultText}`);
  }
});

test("Packer 1.6.6 wants exact types: any is refused in a variable's type", (t) => {
  const r = parseTypeConstraint(parse("list(any)"), { exact: true });
  t.deepEqual(
    r.diagnostics.map((d) => [d.summary, d.detail]),
    [["Invalid type specification", 'The keyword "any" cannot be used in this type specification: an exact type is required.']],
  );
});

test("in HCL's JSON syntax a type is a string of native syntax", (t) => {
  const { file, diagnostics } = parseHclJsonFile("t.pkr.json", '{"variable": {"v": {"type": "map(list(string))", "default": {"a": [1]}}}}');
  t.deepEqual(diagnostics, []);
  const { content } = file.body.content({ attributes: [], blocks: [{ type: "variable", labelNames: ["name"] }] });
  const { content: v } = content.blocks[0].body.content({ attributes: [{ name: "type" }, { name: "default" }], blocks: [] });
  const type = parseTypeConstraint(v.attributes.get("type")!.expr, { exact: true, jsonSyntax: true });
  t.deepEqual(type.diagnostics, []);
  t.is(typeConstraintString(type.type), "map(list(string))");
  const dflt = evaluate(v.attributes.get("default")!.expr, undefined);
  t.is(formatValueForConsole(convert(dflt.value, type.type)), '{\n  "a" = [\n    "1",\n  ]\n}');
  const bad = parseTypeConstraint(parseHclJsonFile("u.pkr.json", '{"type": "strin"}').file.body.justAttributes().attributes.get("type")!.expr, { jsonSyntax: true });
  t.deepEqual(
    bad.diagnostics.map((d) => d.detail),
    ['The keyword "strin" is not a valid type specification.'],
  );
});
