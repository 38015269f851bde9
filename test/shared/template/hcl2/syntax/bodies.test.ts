import test from "ava";
import type { BodySchema, HclBody, HclDiagnostic } from "../../../../../shared/template/hcl2/contract.js";
import { initHclParser, parseHclFile, parseHclJsonFile } from "../../../../../shared/template/hcl2/syntax/index.js";

test.before(async () => {
  await initHclParser();
});

const variableSchema: BodySchema = {
  attributes: [{ name: "default" }, { name: "type" }, { name: "description", required: true }],
  blocks: [{ type: "validation", labelNames: [] }],
};
const fileSchema: BodySchema = {
  attributes: [],
  blocks: [
    { type: "variable", labelNames: ["name"] },
    { type: "source", labelNames: ["type", "name"] },
    { type: "build", labelNames: [] },
    { type: "locals", labelNames: [] },
  ],
};

function native(src: string): HclBody {
  const { file, diagnostics } = parseHclFile("t.pkr.hcl", src);
  if (diagnostics.length > 0) throw new Error(diagnostics[0].summary);
  return file.body;
}

function json(src: string): HclBody {
  const { file, diagnostics } = parseHclJsonFile("t.pkr.json", src);
  if (diagnostics.length > 0) throw new Error(diagnostics[0].summary);
  return file.body;
}

const brief = (ds: HclDiagnostic[]) => ds.map((d) => `${d.summary} | ${d.detail} | ${d.subject?.start.line}:${d.subject?.start.column}-${d.subject?.end.line}:${d.subject?.end.column}`);

test("native content(): unsupported arguments and blocks, with hcl's suggestions, in source order", (t) => {
  const body = native('variable "x" {\n  defualt = 1\n  description = "d"\n  validation {}\n  type {}\n  other {}\n}\n');
  const { content } = body.content(fileSchema);
  const { diagnostics } = content.blocks[0].body.content(variableSchema);
  t.deepEqual(brief(diagnostics), [
    'Unsupported argument | An argument named "defualt" is not expected here. Did you mean "default"? | 2:3-2:10',
    'Unsupported block type | Blocks of type "type" are not expected here. Did you mean to define argument "type"? If so, use the equals sign to assign it a value. | 5:3-5:7',
    'Unsupported block type | Blocks of type "other" are not expected here. | 6:3-6:8',
  ]);
});

test("native: missing required argument points at the body's opening brace", (t) => {
  const body = native('variable "x" {\n  default = 1\n}\n');
  const { diagnostics } = body.content(fileSchema).content.blocks[0].body.content(variableSchema);
  t.deepEqual(brief(diagnostics), ['Missing required argument | The argument "description" is required, but no definition was found. | 1:14-1:14']);
});

test("native: label counts are checked against the schema", (t) => {
  const body = native('variable {\n}\nsource "null" "a" "b" {\n}\nbuild "x" {\n}\n');
  const { content, diagnostics } = body.content(fileSchema);
  t.is(content.blocks.length, 0);
  t.deepEqual(brief(diagnostics), [
    "Missing name for variable | All variable blocks must have 1 labels (name). | 1:10-1:11",
    "Extraneous label for source | Only 2 labels (type, name) are expected for source blocks. | 3:19-3:22",
    "Extraneous label for build | No labels are expected for build blocks. | 5:7-5:10",
  ]);
  t.deepEqual(diagnostics[0].context, {
    file: "t.pkr.hcl",
    start: { line: 1, column: 1, byte: 0 },
    end: { line: 1, column: 11, byte: 10 },
  });
});

test("native partialContent(): the remaining body reports only what the schema did not take", (t) => {
  const body = native("a = 1\nb = 2\nthing {}\n");
  const first = body.partialContent({ attributes: [{ name: "a" }], blocks: [] });
  t.deepEqual([...first.content.attributes.keys()], ["a"]);
  const rest = first.remain.content({ attributes: [{ name: "b" }], blocks: [] });
  t.deepEqual(brief(rest.diagnostics), ['Unsupported block type | Blocks of type "thing" are not expected here. | 3:1-3:6']);
  t.deepEqual([...rest.content.attributes.keys()], ["b"]);
  t.deepEqual(first.remain.justAttributes().attributes.has("a"), false);
});

test("native justAttributes(): blocks are errors", (t) => {
  const body = native("locals {\n  a = 1\n  nested {\n  }\n}\n");
  const locals = body.content(fileSchema).content.blocks[0];
  const { attributes, diagnostics } = locals.body.justAttributes();
  t.deepEqual([...attributes.keys()], ["a"]);
  t.deepEqual(brief(diagnostics), ['Unexpected "nested" block | Blocks are not allowed here. | 3:3-3:9']);
});

test("json: blocks come from objects keyed by labels, arrays repeat blocks, strings are templates, // is a comment", (t) => {
  const body = json(`{
  "//": "a comment",
  "variable": { "region": { "default": "eu-\${var.x}", "description": "d" } },
  "source": { "null": { "a": { "communicator": "none" }, "b": { "communicator": "none" } } },
  "build": [ { "sources": ["source.null.a"] }, { "sources": ["source.null.b"] } ]
}`);
  const { content, diagnostics } = body.content(fileSchema);
  t.deepEqual(diagnostics, []);
  t.deepEqual(content.blocks.map((b) => [b.type, ...b.labels]), [["variable", "region"], ["source", "null", "a"], ["source", "null", "b"], ["build"], ["build"]]);
  const variable = content.blocks[0].body.content(variableSchema);
  t.deepEqual(variable.diagnostics, []);
  const def = variable.content.attributes.get("default")!;
  t.like(def.expr, { kind: "template" });
  t.deepEqual(
    (def.expr as { parts: { kind: string }[] }).parts.map((p) => p.kind),
    ["literal", "interpolation"],
  );
  t.deepEqual(def.nameRange.start, { line: 3, column: 29, byte: 51 });
  const region = content.blocks[0];
  t.deepEqual(region.labelRanges[0].start, { line: 3, column: 17, byte: 39 });
  const build = content.blocks[3].body.justAttributes();
  t.like(build.attributes.get("sources")!.expr, { kind: "tuple" });
});

test("json: numbers, bools, null, nested objects become expressions", (t) => {
  const attrs = json('{"n": 1.5, "b": true, "z": null, "o": {"k": [1]}}').justAttributes().attributes;
  t.like(attrs.get("n")!.expr, { kind: "literal", value: { kind: "number", value: 1.5 } });
  t.like(attrs.get("b")!.expr, { kind: "literal", value: { kind: "bool", value: true } });
  t.like(attrs.get("z")!.expr, { kind: "literal", value: { kind: "null" } });
  t.like(attrs.get("o")!.expr, { kind: "object", items: [{ key: { kind: "template" }, value: { kind: "tuple" } }] });
});

test("json: hcl/json's diagnostics for extraneous properties, duplicates, bad block values and missing labels", (t) => {
  const body = json('{"variabel": {}, "locals": 1, "variable": {}}');
  const { diagnostics } = body.content({ attributes: [], blocks: [{ type: "variable", labelNames: ["name"] }, { type: "locals", labelNames: [] }] });
  t.deepEqual(
    diagnostics.map((d) => `${d.summary} | ${d.detail}`),
    [
      'Incorrect JSON value type | Either a JSON object or a JSON array is required, representing the contents of one or more "locals" blocks.',
      "Missing block label | At least one object property is required, whose name represents the variable block's name.",
      'Extraneous JSON object property | No argument or block type is named "variabel". Did you mean "variable"?',
    ],
  );
  const dup = json('{"a": 1, "a": 2}').content({ attributes: [{ name: "a" }], blocks: [] });
  t.deepEqual(
    dup.diagnostics.map((d) => `${d.summary} | ${d.detail}`),
    ['Duplicate argument | The argument "a" was already set at t.pkr.json:1,2-8.'],
  );
  const missing = json("{}").content({ attributes: [{ name: "r", required: true }], blocks: [] });
  t.deepEqual(missing.diagnostics.map((d) => d.summary), ["Missing required argument"]);
  t.deepEqual(missing.diagnostics[0].subject!.start, { line: 1, column: 2, byte: 1 });
});

test("json: syntax errors in hcl/json's words, where hcl puts them (recorded from packer 1.6.6)", (t) => {
  const cases: [string, string, string, number, number][] = [
    ['{\n  "locals": {"a": 1,}\n}\n', "Trailing comma in object", "JSON does not permit a trailing comma after the final property in an object.", 2, 20],
    ['{\n  "locals": {"a" = 1}\n}\n', "Missing property value colon", "JSON uses a colon as its name/value delimiter, not an equals sign.", 2, 18],
    ['{\n  "locals": {"a" 1}\n}\n', "Missing property value colon", "A colon must appear between an object property's name and its value.", 2, 18],
    ['{\n  "locals": {"a": tru}\n}\n', "Invalid JSON keyword", '"tru" is not a valid JSON keyword. Did you mean "true"?', 2, 19],
    ['{\n  "locals": {"a": }\n}\n', "Missing JSON value", "A JSON value must start with a brace, a bracket, a number, a string, or a keyword.", 2, 19],
    ['{\n  "locals": {"a": 1}\n} x\n', "Extraneous data after value", "Extra characters appear after the JSON value.", 3, 3],
  ];
  for (const [src, summary, detail, line, column] of cases) {
    const { diagnostics } = parseHclJsonFile("t.pkr.json", src);
    t.like(diagnostics[0], { summary, detail, subject: { start: { line, column } } }, src);
  }
  const unclosed = parseHclJsonFile("t.pkr.json", '{\n  "locals": {"a": 1}\n');
  t.deepEqual(unclosed.diagnostics.map((d) => d.summary), ["Unclosed object", "Root value must be object"]);
});
