import test from "ava";
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadTemplate, parseTemplate, resolveVariables, TemplateError, templateErrorsOf } from "../../../shared/template/index.js";
import { render } from "../../../shared/template/interpolate/index.js";
import { COMPAT_DIR, JSON_TEMPLATES_DIR, corpusEntry, templatePath, variableArgs, corpusTest } from "./compat-corpus.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const INIT_TIME = new Date("2024-05-06T07:08:09Z");

function resolveCorpus(id: string, argv: readonly string[], env: Record<string, string> = {}) {
  const entry = corpusEntry(id);
  const tpl = loadTemplate(templatePath(entry), entry.target);
  return resolveVariables(tpl, { ...variableArgs(argv), env, cwd: JSON_TEMPLATES_DIR, initTime: INIT_TIME });
}

corpusTest("-var always beats -var-file whatever the order; var files override defaults (new-var-precedence)", (t) => {
  const entry = corpusEntry("new-var-precedence");
  t.deepEqual(resolveCorpus("new-var-precedence", entry.validate.argv).values, { aws_access_key: "bar", aws_secret_key: "baz" });
  const fileOnly = entry.additional_invocations?.find((i) => i.label === "validate with only -var-file");
  t.truthy(fileOnly);
  t.deepEqual(resolveCorpus("new-var-precedence", fileOnly?.argv ?? []).values, { aws_access_key: "foo", aws_secret_key: "bar" });
  t.deepEqual(resolveCorpus("new-var-precedence", []).values, { aws_access_key: "default-access", aws_secret_key: "default-secret" });
});

corpusTest("required variables: unset is an error naming the variable and its line; -var or -var-file sets them", (t) => {
  for (const id of ["cmd-validate-null_var", "cmd-var-arg-fruit_builder"]) {
    const entry = corpusEntry(id);
    for (const run of [entry.validate, ...(entry.additional_invocations ?? [])]) {
      if (run.exit_code === 0) {
        t.notThrows(() => resolveCorpus(id, run.argv), `${id} ${run.argv.join(" ")}`);
      } else {
        const e = t.throws(() => resolveCorpus(id, run.argv), { instanceOf: TemplateError });
        t.is(e?.message, run.error_message ?? "", `${id} ${run.argv.join(" ")}`);
        t.is(e?.line, 3);
        t.is(e?.field, id === "cmd-validate-null_var" ? "variables.null_var" : "variables.fruit");
      }
    }
  }
  t.deepEqual(resolveCorpus("cmd-var-arg-fruit_builder", ["-var-file=varfiles/cmd-var-arg-apple.json"]).values, { fruit: "apple" });
  const many = parseTemplate('{"variables": {"a": null, "b": "x", "c": null}}', "/abs/t.json", "t.json");
  const e = t.throws(() => resolveVariables(many, { vars: [], varFiles: [], cwd: "/" }), { instanceOf: TemplateError });
  t.deepEqual(templateErrorsOf(e as TemplateError).map((x) => x.message), ["required variable not set: a", "required variable not set: c"]);
});

test("a later -var-file wins over an earlier one; bad var files are named with the place of the problem", (t) => {
  const dir = tempDirSync("kiln-vars-");
  writeFileSync(join(dir, "a.json"), '{"x": "a", "y": "a"}');
  writeFileSync(join(dir, "b.json"), '{"x": "b"}');
  writeFileSync(join(dir, "bad.json"), '{\n  "x": 3\n}');
  writeFileSync(join(dir, "broken.json"), '{"x": }');
  writeFileSync(join(dir, "short.json"), '{"x": "a"');
  const tpl = parseTemplate('{"variables": {"x": "d", "y": "d", "z": "d"}}', join(dir, "t.json"), "t.json");
  const opts = { vars: [] as [string, string][], cwd: dir };
  t.deepEqual(resolveVariables(tpl, { ...opts, varFiles: ["a.json", "b.json"] }).values, { x: "b", y: "a", z: "d" });
  const bad = t.throws(() => resolveVariables(tpl, { ...opts, varFiles: ["bad.json"] }), { instanceOf: TemplateError });
  // Named as given on the command line, as packer 1.6.6 names it.
  t.regex(bad?.message ?? "", /^Error reading variables in 'bad\.json': json: cannot unmarshal number into Go value of type string/);
  t.deepEqual([bad?.line, bad?.column], [2, 8]);
  const broken = t.throws(() => resolveVariables(tpl, { ...opts, varFiles: ["broken.json"] }), { instanceOf: TemplateError });
  t.regex(broken?.message ?? "", /broken\.json': invalid character '}' looking for beginning of value$/);
  // Packer 1.6.6: "Error reading variables in 'short.json': unexpected EOF" (its json.Decoder's words).
  const short = t.throws(() => resolveVariables(tpl, { ...opts, varFiles: ["short.json"] }), { instanceOf: TemplateError });
  t.is(short?.message, "Error reading variables in 'short.json': unexpected EOF");
  const missing = t.throws(() => resolveVariables(tpl, { ...opts, varFiles: ["nope.json"] }), { instanceOf: TemplateError });
  t.regex(missing?.message ?? "", /nope\.json: no such file or directory$/);
});

corpusTest("sensitive values are the resolved values of declared sensitive variables", (t) => {
  const tpl = parseTemplate(
    '{"variables": {"pw": "default-pw", "empty": "", "open": "x"}, "sensitive-variables": ["pw", "empty", "undeclared"]}',
    "/abs/t.json",
    "t.json",
  );
  t.deepEqual(resolveVariables(tpl, { vars: [["pw", "s3cret"]], varFiles: [], cwd: "/" }).sensitiveValues, ["s3cret"]);
  t.deepEqual(resolveCorpus("core-sensitive-variables", []).sensitiveValues, ["bar_extra_sensitive_probably_a_password"]);
});

// The cases below need the Go-template engine (shared/template/interpolate).

corpusTest("defaults may reference each other in any order (core-build-variables-interpolate)", (t) => {
  t.deepEqual(resolveCorpus("core-build-variables-interpolate", []).values, { foo: "bar", bar: "bar", baz: "barbaz", bang: "bangbarbaz" });
});

corpusTest("a reference to an undeclared variable in a default is an error, with Packer's message (core-build-variables-interpolate2)", (t) => {
  const entry = corpusEntry("core-build-variables-interpolate2");
  const e = t.throws(() => resolveCorpus("core-build-variables-interpolate2", []), { instanceOf: TemplateError });
  t.is(e?.message, entry.validate.error_message ?? "");
  t.is(e?.line, 4); // baz
});

test("a variable referencing itself is an error; a -var can give it a value", (t) => {
  const tpl = parseTemplate('{"variables": {"a": "{{user `a`}}-x"}}', "/abs/t.json", "t.json");
  const e = t.throws(() => resolveVariables(tpl, { vars: [], varFiles: [], cwd: "/" }), { instanceOf: TemplateError });
  t.regex(e?.message ?? "", /^Failed to interpolate "a": "\{\{user `a`\}\}-x"; error: .*variable not set: a/);
  t.deepEqual(resolveVariables(tpl, { vars: [["a", "given"]], varFiles: [], cwd: "/" }).values, { a: "given" });
});

corpusTest("-var values are interpolated with env and other variables (core-complex-recursed-env-user-var-file)", (t) => {
  const entry = corpusEntry("core-complex-recursed-env-user-var-file");
  const { values } = resolveCorpus(entry.id.slice(5), entry.validate.argv, entry.env);
  t.is(values.var_2, "bulbasaur-5/path/to/nowhere-partyparrot");
  t.is(values.final_var, "bulbasaur/5/bananas/path/to/nowhere-partyparrot/vmware/bulbasaur-5/path/to/nowhere-partyparrot.vmx");
});

corpusTest("dot expressions such as {{ .HTTPIP }} are kept for later stages; a parse error names the variable", (t) => {
  const tpl = parseTemplate('{"variables": {"boot": "http://{{ .HTTPIP }}:{{ .HTTPPort }}/{{user `f`}}", "f": "ks.cfg"}}', "/abs/t.json", "t.json");
  t.is(resolveVariables(tpl, { vars: [], varFiles: [], cwd: "/" }).values.boot, "http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg");
  const entry = corpusEntry("new-unclosed-action-in-variable");
  const e = t.throws(() => resolveCorpus("new-unclosed-action-in-variable", []), { instanceOf: TemplateError });
  t.is(e?.message, entry.validate.error_message ?? "");
});

interface InterpolationCase {
  id: string;
  expression: string;
  context: string;
  args?: string[];
  env?: Record<string, string>;
  files?: Record<string, string>;
  template: unknown;
  expected: { output?: string; output_regex?: string; error?: string };
}

corpusTest("interpolation corpus: variable defaults and -var/-var-file cases give Packer's values and errors", (t) => {
  const corpus = JSON.parse(readFileSync(join(COMPAT_DIR, "interpolation.json"), "utf8")) as { cases: InterpolationCase[] };
  const cases = corpus.cases.filter(
    (c) => (c.context === "variable-default" || (c.args && c.context === "builder-field")) && !/vault|consul_key|aws_secretsmanager/.test(c.expression),
  );
  t.true(cases.length >= 15);
  for (const c of cases) {
    const dir = tempDirSync("kiln-interp-");
    mkdirSync(join(dir, "tpl"));
    for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content);
    const file = join(dir, "tpl", "template.json");
    writeFileSync(file, JSON.stringify(c.template));
    const tpl = loadTemplate(file, "tpl/template.json");
    const env = { HOME: "/home/corpus", ...c.env };
    let value: string;
    try {
      const { values } = resolveVariables(tpl, { ...variableArgs(c.args ?? []), env, cwd: dir, initTime: INIT_TIME });
      value =
        c.context === "variable-default"
          ? (values.probe ?? "")
          : render(c.expression, { userVariables: values, enableEnv: false, initTime: INIT_TIME, templatePath: file, cwd: dir, buildName: "interp", buildType: "file" });
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      t.is(e.message, c.expected.error ?? "(no error expected)", c.id);
      continue;
    }
    if (c.expected.output_regex) t.regex(value, new RegExp(c.expected.output_regex), c.id);
    else t.is(value, c.expected.output?.replaceAll("<CWD>", dir) ?? "(no output expected)", c.id);
  }
});

test("a default that never renders is left unset while another default with a user call still renders, as Packer 1.6.6 lets it through", (t) => {
  // kubernetes-sigs/image-builder's gce template: Packer's passes go on while "c" (a user call)
  // renders, so its last pass made progress and it reports nothing; "a" stays unset.
  const lenient = parseTemplate('{"variables": {"b": "x", "c": "{{user `b`}}", "a": "{{user `missing`}}"}}', "/abs/t.json", "t.json");
  const { values } = resolveVariables(lenient, { vars: [], varFiles: [], cwd: "/" });
  t.deepEqual(values, { b: "x", c: "x" });
  // With no default still calling user, the last pass renders nothing: the error, with Packer's words.
  const strict = parseTemplate('{"variables": {"b": "x", "c": "{{env `HOME`}}", "a": "{{user `missing`}}"}}', "/abs/t.json", "t.json");
  const e = t.throws(() => resolveVariables(strict, { vars: [], varFiles: [], cwd: "/", env: { HOME: "/root" } }), { instanceOf: TemplateError });
  t.regex(e?.message ?? "", /^Failed to interpolate "a": "\{\{user `missing`\}\}"; error: .*variable not set: missing/);
});
