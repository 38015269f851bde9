import test from "ava";
import type { Expression, HclRange, TemplatePart } from "../../../../../shared/template/hcl2/contract.js";
import { initHclParser, parseHclExpression, parseHclFile, parseHclTemplate } from "../../../../../shared/template/hcl2/syntax/index.js";

test.before(async () => {
  await initHclParser();
});

/** The expression of `v` in a one-attribute file `v = SRC` (the expression starts at column 5). */
function expr(src: string): Expression {
  const { file, diagnostics } = parseHclFile("t.pkr.hcl", `v = ${src}\n`);
  if (diagnostics.length > 0) throw new Error(diagnostics.map((d) => `${d.summary}: ${d.detail}`).join("; "));
  const { attributes } = file.body.justAttributes();
  return attributes.get("v")!.expr;
}

/** A one-line range in t.pkr.hcl from column a to column b (1-based, ASCII so byte = column - 1). */
function cols(a: number, b: number, line = 1, lineStartByte = 0): HclRange {
  return {
    file: "t.pkr.hcl",
    start: { line, column: a, byte: lineStartByte + a - 1 },
    end: { line, column: b, byte: lineStartByte + b - 1 },
  };
}

/** Drops ranges, to compare shapes. */
function shape(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (k, x) => (k === "range" || k === "nameRange" ? undefined : x)));
}

const str = (text: string) => ({ kind: "template", parts: [{ kind: "literal", text }] });
const ref = (root: string, ...steps: (string | number)[]) => ({
  kind: "scope-traversal",
  root,
  steps: steps.map((s) => (typeof s === "string" ? { kind: "attr", name: s } : { kind: "index", key: { kind: "number", value: s } })),
});
const num = (value: number) => ({ kind: "literal", value: { kind: "number", value } });

test("literals: numbers, bools, null, with their ranges", (t) => {
  t.deepEqual(expr("12.5e2"), { kind: "literal", value: { kind: "number", value: 1250 }, range: cols(5, 11) });
  t.deepEqual(expr("true"), { kind: "literal", value: { kind: "bool", value: true }, range: cols(5, 9) });
  t.deepEqual(expr("null"), { kind: "literal", value: { kind: "null", type: { kind: "dynamic" } }, range: cols(5, 9) });
});

test("quoted strings decode HCL escapes and $${ / %%{", (t) => {
  const e = expr('"a\\n\\t\\"\\\\\\u00e9\\U0001F600 $${x} %%{y}"');
  t.deepEqual(shape(e), str('a\n\t"\\é😀 ${x} %{y}'));
  t.deepEqual(e.range, cols(5, 44));
});

test("template interpolations, if/else/endif and for/endfor", (t) => {
  const e = expr('"x${a.b}y%{if c}yes%{else}no%{endif}%{for k, v in m}${k}=${v},%{endfor}"');
  t.deepEqual(shape(e), {
    kind: "template",
    parts: [
      { kind: "literal", text: "x" },
      { kind: "interpolation", expr: ref("a", "b") },
      { kind: "literal", text: "y" },
      { kind: "if", condition: ref("c"), then: [{ kind: "literal", text: "yes" }], else: [{ kind: "literal", text: "no" }] },
      {
        kind: "for",
        keyVar: "k",
        valueVar: "v",
        collection: ref("m"),
        body: [{ kind: "interpolation", expr: ref("k") }, { kind: "literal", text: "=" }, { kind: "interpolation", expr: ref("v") }, { kind: "literal", text: "," }],
      },
    ],
  });
  const parts = (e as { parts: TemplatePart[] }).parts;
  t.deepEqual(parts[1].range, cols(7, 13), "${a.b}");
  t.deepEqual((parts[1] as { expr: Expression }).expr.range, cols(9, 12), "a.b");
  t.deepEqual(parts[3].range, cols(14, 41), "%{if}…%{endif}");
});

test("strip markers trim the whitespace of the neighbouring literals", (t) => {
  t.deepEqual(shape(expr('"a  ${~ x ~}  b"')), {
    kind: "template",
    parts: [{ kind: "literal", text: "a" }, { kind: "interpolation", expr: ref("x") }, { kind: "literal", text: "b" }],
  });
  t.deepEqual(shape(expr('"[ %{~ if c ~} y %{~ endif ~} ]"')), {
    kind: "template",
    parts: [{ kind: "literal", text: "[" }, { kind: "if", condition: ref("c"), then: [{ kind: "literal", text: "y" }] }, { kind: "literal", text: "]" }],
  });
});

test("heredocs keep lines; <<- removes the smallest indentation, blank lines excepted", (t) => {
  const { file, diagnostics } = parseHclFile("t.pkr.hcl", "a = <<EOT\n  one\n    ${x}\nEOT\nb = <<-EOT\n    one\n\n      two ${x}\n    EOT\n");
  t.deepEqual(diagnostics, []);
  const { attributes } = file.body.justAttributes();
  t.deepEqual(shape(attributes.get("a")!.expr), {
    kind: "template",
    parts: [{ kind: "literal", text: "  one\n    " }, { kind: "interpolation", expr: ref("x") }, { kind: "literal", text: "\n" }],
  });
  t.deepEqual(shape(attributes.get("b")!.expr), {
    kind: "template",
    parts: [{ kind: "literal", text: "one\n\n  two " }, { kind: "interpolation", expr: ref("x") }, { kind: "literal", text: "\n" }],
  });
  t.deepEqual(attributes.get("a")!.expr.range, { file: "t.pkr.hcl", start: { line: 1, column: 5, byte: 4 }, end: { line: 4, column: 4, byte: 28 } });
});

test("traversals: attributes, [n], legacy .0 and string keys become steps; other keys are index expressions", (t) => {
  const e = expr('a.b[0].c.1["k"]');
  t.deepEqual(shape(e), {
    kind: "scope-traversal",
    root: "a",
    steps: [
      { kind: "attr", name: "b" },
      { kind: "index", key: { kind: "number", value: 0 } },
      { kind: "attr", name: "c" },
      { kind: "index", key: { kind: "number", value: 1 } },
      { kind: "index", key: { kind: "string", value: "k" } },
    ],
  });
  t.deepEqual(e.range, cols(5, 20));
  t.deepEqual((e as { steps: { range: HclRange }[] }).steps[1].range, cols(8, 11), "[0]");
  t.deepEqual(shape(expr("a[var.i].x")), {
    kind: "relative-traversal",
    source: { kind: "index", collection: ref("a"), key: ref("var", "i") },
    steps: [{ kind: "attr", name: "x" }],
  });
  t.deepEqual(shape(expr("f(1).y")), {
    kind: "relative-traversal",
    source: { kind: "call", name: "f", args: [num(1)], expandFinal: false },
    steps: [{ kind: "attr", name: "y" }],
  });
});

test("splats: .* takes only attributes, [*] takes indexes too", (t) => {
  const attrOnly = expr("a.*.b[0]");
  t.deepEqual((attrOnly as { source: Expression }).source.range, cols(5, 10), "a.*.b");
  t.deepEqual(shape(attrOnly), {
    kind: "relative-traversal",
    source: {
      kind: "splat",
      source: ref("a"),
      each: { kind: "relative-traversal", source: { kind: "splat-item" }, steps: [{ kind: "attr", name: "b" }] },
      full: false,
    },
    steps: [{ kind: "index", key: { kind: "number", value: 0 } }],
  });
  const full = expr("a[*].b[0]");
  t.deepEqual(shape(full), {
    kind: "splat",
    source: ref("a"),
    each: {
      kind: "relative-traversal",
      source: { kind: "splat-item" },
      steps: [
        { kind: "attr", name: "b" },
        { kind: "index", key: { kind: "number", value: 0 } },
      ],
    },
    full: true,
  });
  t.deepEqual(full.range, cols(5, 14));
});

test("function calls, with ... expansion and the name's range", (t) => {
  const e = expr("concat(a, [1, 2]...)");
  t.deepEqual(shape(e), {
    kind: "call",
    name: "concat",
    args: [ref("a"), { kind: "tuple", items: [num(1), num(2)] }],
    expandFinal: true,
  });
  t.deepEqual((e as { nameRange: HclRange }).nameRange, cols(5, 11));
  t.deepEqual(e.range, cols(5, 25));
});

test("objects: bare identifier keys, quoted keys, parenthesised expression keys, = or :", (t) => {
  t.deepEqual(shape(expr('{ a = 1, "b": 2, (c) = 3 }')), {
    kind: "object",
    items: [
      { key: ref("a"), value: num(1), bareKey: "a" },
      { key: str("b"), value: num(2) },
      { key: { kind: "parens", inner: ref("c") }, value: num(3) },
    ],
  });
});

test("operators follow HCL precedence; unary binds tighter than binary but looser than traversal", (t) => {
  t.deepEqual(shape(expr("!a || b && c == 1 + 2 * -d.e")), {
    kind: "binary",
    op: "||",
    left: { kind: "unary", op: "!", operand: ref("a") },
    right: {
      kind: "binary",
      op: "&&",
      left: ref("b"),
      right: {
        kind: "binary",
        op: "==",
        left: ref("c"),
        right: {
          kind: "binary",
          op: "+",
          left: num(1),
          right: { kind: "binary", op: "*", left: num(2), right: { kind: "unary", op: "-", operand: ref("d", "e") } },
        },
      },
    },
  });
  t.deepEqual(shape(expr("a - b - c")), { kind: "binary", op: "-", left: { kind: "binary", op: "-", left: ref("a"), right: ref("b") }, right: ref("c") });
  t.deepEqual(shape(expr("(a + b) * c")), {
    kind: "binary",
    op: "*",
    left: { kind: "parens", inner: { kind: "binary", op: "+", left: ref("a"), right: ref("b") } },
    right: ref("c"),
  });
});

test("conditionals and for expressions (tuple, object, if, grouping ...)", (t) => {
  t.deepEqual(shape(expr("a ? 1 : b ? 2 : 3")), {
    kind: "conditional",
    condition: ref("a"),
    then: num(1),
    else: { kind: "conditional", condition: ref("b"), then: num(2), else: num(3) },
  });
  t.deepEqual(shape(expr("[for x in xs : x.id if x.on]")), {
    kind: "for",
    valueVar: "x",
    collection: ref("xs"),
    condition: ref("x", "on"),
    valueExpr: ref("x", "id"),
    group: false,
  });
  t.deepEqual(shape(expr("{for k, v in m : v => k...}")), {
    kind: "for",
    keyVar: "k",
    valueVar: "v",
    collection: ref("m"),
    keyExpr: ref("v"),
    valueExpr: ref("k"),
    group: true,
  });
});

test("ranges count characters for columns and UTF-8 bytes for offsets", (t) => {
  const { file } = parseHclFile("t.pkr.hcl", 'é = "😀${x}"\n');
  const attr = file.body.justAttributes().attributes.get("é")!;
  t.deepEqual(attr.nameRange, { file: "t.pkr.hcl", start: { line: 1, column: 1, byte: 0 }, end: { line: 1, column: 2, byte: 2 } });
  const tpl = attr.expr as { parts: TemplatePart[] };
  t.deepEqual(tpl.parts[1].range, { file: "t.pkr.hcl", start: { line: 1, column: 7, byte: 10 }, end: { line: 1, column: 11, byte: 14 } });
});

test("blocks keep source order across types, labels and ranges", (t) => {
  const src = 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\nsource "null" "b" {}\n';
  const { file, diagnostics } = parseHclFile("t.pkr.hcl", src);
  t.deepEqual(diagnostics, []);
  const { content } = file.body.content({ attributes: [], blocks: [{ type: "source", labelNames: ["type", "name"] }, { type: "build", labelNames: [] }] });
  t.deepEqual(content.blocks.map((b) => [b.type, ...b.labels]), [["source", "null", "a"], ["build"], ["source", "null", "b"]]);
  const first = content.blocks[0];
  t.deepEqual(first.typeRange, cols(1, 7));
  t.deepEqual(first.labelRanges, [cols(8, 14), cols(15, 18)]);
  t.deepEqual(first.defRange, cols(1, 18));
  t.deepEqual(first.range.end, { line: 3, column: 2, byte: 45 });
});

test("parseHclExpression and parseHclTemplate place ranges at the given start", (t) => {
  const { expr: e, diagnostics } = parseHclExpression("<console>", "upper(var.x)");
  t.deepEqual(diagnostics, []);
  t.deepEqual(shape(e), { kind: "call", name: "upper", args: [ref("var", "x")], expandFinal: false });
  t.deepEqual(e!.range, { file: "<console>", start: { line: 1, column: 1, byte: 0 }, end: { line: 1, column: 13, byte: 12 } });
  // Newlines are ignored in a bare expression, as inside parentheses.
  t.like(parseHclExpression("<console>", "a\n+ b").expr, { kind: "binary", op: "+" });
  // What `packer console` 1.6.6 answers for the same input.
  const errors: [string, string, string][] = [
    ["1 +", "Invalid expression", "Expected the start of an expression, but found an invalid expression token."],
    ["a b", "Extra characters after expression", "An expression was successfully parsed, but extra characters were found after it."],
    ['"abc', "Unterminated template string", "No closing marker was found for the string."],
  ];
  for (const [src, summary, detail] of errors) {
    const bad = parseHclExpression("<console>", src);
    t.is(bad.expr, undefined, src);
    t.like(bad.diagnostics[0], { summary, detail }, src);
  }
  const unbalanced = parseHclTemplate("t.pkr.json", "x %{ if a }y", { line: 2, column: 10, byte: 20 });
  t.is(unbalanced.expr, undefined);
  t.like(unbalanced.diagnostics[0], { summary: "Unexpected end of template", subject: { start: { line: 2, column: 22, byte: 32 } } });
  const tpl = parseHclTemplate("t.pkr.json", "a ${b} c", { line: 3, column: 10, byte: 40 });
  t.deepEqual(shape(tpl.expr), { kind: "template", parts: [{ kind: "literal", text: "a " }, { kind: "interpolation", expr: ref("b") }, { kind: "literal", text: " c" }] });
  const interp = (tpl.expr as { parts: TemplatePart[] }).parts[1];
  t.deepEqual(interp.range, { file: "t.pkr.json", start: { line: 3, column: 12, byte: 42 }, end: { line: 3, column: 16, byte: 46 } });
});

test("number literals with an exponent and no fraction (1e20, 1e+21, 2e-7) parse, in expressions and in files", (t) => {
  for (const [src, value] of [["1e20", 1e20], ["1e+21", 1e21], ["2e-7", 2e-7], ["1.5E3", 1500]] as const) {
    const r = parseHclExpression("<in>", src);
    t.deepEqual(r.diagnostics, [], src);
    t.deepEqual(r.expr?.kind === "literal" ? r.expr.value : undefined, { kind: "number", value }, src);
  }
  const file = parseHclFile("f.pkr.hcl", 'a = "1e5"\nb = 3e2\n');
  t.deepEqual(file.diagnostics, []);
  const { attributes } = file.file.body.justAttributes();
  const b = attributes.get("b")?.expr;
  t.deepEqual(b?.kind === "literal" ? b.value : undefined, { kind: "number", value: 300 });
  t.is(attributes.get("a")?.expr.kind, "template", "a number inside a string stays text");
});
