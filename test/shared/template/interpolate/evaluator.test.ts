// Go text/template behaviour (Go 1.15, as in Packer 1.6.6): syntax, evaluation and the exact
// shape of parse and execution errors.
import test from "ava";
import {
  InterpolationError,
  checkSyntax,
  functionsCalled,
  render,
  type InterpolationContext,
} from "../../../../shared/template/interpolate/index.js";

const ctx: InterpolationContext = {
  userVariables: { x: "foo" },
  enableEnv: false,
  initTime: new Date("2026-03-07T09:05:03Z"),
  data: { Path: "/tmp/script.sh", Vars: "A=1 B=2", Empty: [], Items: ["a", "b"], M: { k: "v", j: "w" }, S: "str", N: null },
};

function renders(template: string): string {
  return render(template, ctx);
}

function failure(template: string): InterpolationError {
  try {
    renders(template);
  } catch (e) {
    if (e instanceof InterpolationError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(template)} to fail`);
}

const outputs: [string, string][] = [
  ["plain {{ `raw` }} {{ \"dq\" }}", "plain raw dq"],
  ["a  \n {{- 1 -}} \n b", "a1b"],
  ["a {{- /* note */ -}} b", "ab"],
  ["{{/* multi\nline */}}x", "x"],
  ["{{-3}}", "-3"], // "-" without a following space is a sign, not a trim marker
  ["{{ `a\nb` }}", "a\nb"],
  ['{{ "a\\tb\\x41\\u00e9\\101" }}', "a\tbAéA"],
  ["{{ 1.0 }} {{ 'a' }} {{ 0x1F }} {{ 1_000 }} {{ 0o17 }} {{ 017 }} {{ 2.5e3 }}", "1 97 31 1000 15 15 2500"],
  ["{{ true }} {{ false }}", "true false"],
  ["{{ .Path }} {{ .Vars }} {{.Path}}", "/tmp/script.sh A=1 B=2 /tmp/script.sh"],
  ["{{ .Missing }}|{{ .Missing.Deeper }}|{{ .N }}", "<no value>|<no value>|<nil>"],
  ["{{ .M.k }} {{ index .M \"j\" }} {{ index .M \"none\" }} {{ index .Items 1 }} {{ index \"abc\" 0 }}", "v w <nil> b 97"],
  ["{{ len .Items }} {{ len .M }} {{ len \"héllo\" }}", "2 2 6"], // len counts bytes, as Go does
  ["{{ slice \"abcdef\" 1 3 }} {{ slice .Items 1 }}", "bc [b]"],
  ["{{ $x := \"one\" }}{{ $x }}{{ $x = \"two\" }}{{ $x }}", "onetwo"],
  ["{{ $ }}", "map[Empty:[] Items:[a b] M:map[j:w k:v] N:<nil> Path:/tmp/script.sh S:str Vars:A=1 B=2]"],
  ["{{ if eq (user `x`) `foo` }}yes{{ else }}no{{ end }}", "yes"],
  ["{{ if false }}a{{ else if .Missing }}b{{ else if 1 }}c{{ else }}d{{ end }}", "c"],
  ["{{ if .Empty }}full{{ else }}empty{{ end }}", "empty"],
  ["{{ with .M }}{{ .k }}{{ end }}{{ with \"\" }}x{{ else }}none{{ end }}", "vnone"],
  ["{{ with $v := .S }}{{ $v }}{{ . }}{{ end }}", "strstr"],
  ["{{ range .Items }}[{{ . }}]{{ end }}", "[a][b]"],
  ["{{ range $i, $e := .Items }}{{ $i }}={{ $e }};{{ end }}", "0=a;1=b;"],
  ["{{ range $k, $v := .M }}{{ $k }}:{{ $v }},{{ end }}", "j:w,k:v,"], // maps in key order
  ["{{ range .Empty }}x{{ else }}nothing{{ end }}{{ range .Missing }}x{{ end }}", "nothing"],
  ["{{ range .Items }}{{ $.S }}{{ end }}", "strstr"],
  ["{{ eq 2 1 2 }} {{ ne 1 2 }} {{ lt \"a\" \"b\" }} {{ le 2 2 }} {{ gt 1.5 1.2 }} {{ ge 1 2 }}", "true true true true true false"],
  ["{{ and 1 \"\" 3 }}|{{ and 1 2 }}|{{ or 0 \"\" }}|{{ or 0 \"x\" }}|{{ not \"\" }}|{{ not .Missing }}", "|2||x|true|true"],
  ["{{ \"abc\" | printf \"%s-%s\" \"x\" }}", "x-abc"],
  ["{{ \"a-b\" | upper | printf \"<%s>\" }}", "<A-B>"],
];

for (const [template, expected] of outputs) {
  test(`renders ${JSON.stringify(template)}`, (t) => {
    t.is(renders(template), expected);
  });
}

test("a parenthesised pipeline can be followed by fields", (t) => {
  t.is(render("{{ (index .L 0).Name }}", { ...ctx, data: { L: [{ Name: "first" }] } }), "first");
});

const parseErrors: [string, string][] = [
  ["{{ upper `abc`", "template: root:1: unclosed action"],
  ["{{ upper\n`abc` }}", "template: root:1: unclosed action"], // actions may not span lines (Go 1.15)
  ["{{", "template: root:1: unexpected unclosed action in command"],
  ["{{ no_such_function }}", 'template: root:1: function "no_such_function" not defined'],
  ["{{ upper abc }}", 'template: root:1: function "abc" not defined'],
  ["x\ny\n{{ nope }}", 'template: root:3: function "nope" not defined'],
  ["{{ if 1 }}x", "template: root:1: unexpected EOF"],
  ["{{ end }}", "template: root:1: unexpected {{end}}"],
  ["{{ if }}{{ end }}", "template: root:1: missing value for if"],
  ["{{ $y }}", 'template: root:1: undefined variable "$y"'],
  ["{{ if 1 }}{{ $y := 1 }}{{ end }}{{ $y }}", 'template: root:1: undefined variable "$y"'],
  // A lexical error where an operand should start is "unexpected …" (Go 1.15); after one it is bare.
  ["{{ 3x }}", 'template: root:1: unexpected bad number syntax: "3x" in command'],
  ["{{ upper 3x }}", 'template: root:1: bad number syntax: "3x"'],
  ['{{ "a" | "b" }}', "template: root:1: non executable command in pipeline stage 2"],
  ['{{ "\\q" }}', "template: root:1: invalid syntax"],
  ["{{ \"open }}", "template: root:1: unexpected unterminated quoted string in command"],
  ["{{ (upper `a` }}", "template: root:1: unclosed left paren"],
  ["{{ upper `a`) }}", 'template: root:1: unexpected ")" in input'],
  ["{{/* never closed", "template: root:1: unexpected unclosed comment in input"],
  ["{{ 1 }}{{ else }}", "template: root:1: unexpected {{else}}"],
];

for (const [template, message] of parseErrors) {
  test(`parse error for ${JSON.stringify(template)}`, (t) => {
    const error = failure(template);
    t.is(error.phase, "parse");
    t.is(error.message, message);
  });
}

const execErrors: [string, string][] = [
  ["{{ upper }}", 'template: root:1:3: executing "root" at <upper>: wrong number of args for upper: want 1 got 0'],
  ["{{ env `HOME` }}", 'template: root:1:3: executing "root" at <env `HOME`>: error calling env: env vars are not allowed here'],
  ["{{ upper 5 }}", 'template: root:1:9: executing "root" at <5>: expected string; found 5'],
  ['{{ split "a-b" "-" "1" }}', 'template: root:1:19: executing "root" at <"1">: expected integer; found "1"'],
  // Go names the last node it evaluated, here the argument inside the parentheses.
  ['{{ upper (len "ab") }}', 'template: root:1:14: executing "root" at <"ab">: wrong type for value; expected string; got int'],
  ["{{ upper .Missing }}", 'template: root:1:9: executing "root" at <.Missing>: invalid value; expected string'],
  ["{{ .S.Field }}", 'template: root:1:5: executing "root" at <.S.Field>: can\'t evaluate field Field in type string'],
  ['{{ "a" "b" }}', 'template: root:1:3: executing "root" at <"a">: can\'t give argument to non-function "a"'],
  ['{{ eq "a" 1 }}', 'template: root:1:3: executing "root" at <eq "a" 1>: error calling eq: incompatible types for comparison'],
  ["{{ index .Items 5 }}", 'template: root:1:3: executing "root" at <index .Items 5>: error calling index: index out of range: 5'],
  ["{{ range .S }}{{ end }}", 'template: root:1:9: executing "root" at <.S>: range can\'t iterate over str'],
  ["{{ nil }}", 'template: root:1:3: executing "root" at <nil>: nil is not a command'],
  ["é{{ upper }}", 'template: root:1:5: executing "root" at <upper>: wrong number of args for upper: want 1 got 0'],
  ["a\nbc{{ lower }}", 'template: root:2:5: executing "root" at <lower>: wrong number of args for lower: want 1 got 0'],
  ["{{ len 3 }}", 'template: root:1:3: executing "root" at <len 3>: error calling len: len of type int'],
];

for (const [template, message] of execErrors) {
  test(`execution error for ${JSON.stringify(template)}`, (t) => {
    const error = failure(template);
    t.is(error.phase, "exec");
    t.is(error.message, message);
  });
}

test("checkSyntax accepts Packer's functions and extra ones it is told about", (t) => {
  t.notThrows(() => checkSyntax("{{ user `a` }} {{ isotime `2006` }} {{ build `ID` }} {{ .HTTPIP }}"));
  const error = t.throws(() => checkSyntax("{{ clean_resource_name `a` }}"), { instanceOf: InterpolationError });
  t.is(error.message, 'template: root:1: function "clean_resource_name" not defined');
  t.is(error.phase, "parse");
  t.notThrows(() => checkSyntax("{{ clean_resource_name `a` }}", ["clean_resource_name"]));
  // Execution problems are not syntax problems.
  t.notThrows(() => checkSyntax("{{ env `HOME` }} {{ upper }}"));
});

test("functionsCalled lists every function of a template, nested ones included", (t) => {
  t.deepEqual([...functionsCalled("a {{ if eq (user `x`) `y` }}{{ upper (lower build_name) }}{{ end }}")].sort(), [
    "build_name",
    "eq",
    "lower",
    "upper",
    "user",
  ]);
});
