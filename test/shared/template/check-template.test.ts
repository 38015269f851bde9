import test from "ava";
import { checkTemplate, loadTemplate, parseTemplate, comparePackerVersions, parsePackerVersion, TemplateError } from "../../../shared/template/index.js";
import { jsonCorpus, templatePath, corpusTest } from "./compat-corpus.js";

const TEMPLATE_LEVEL = [
  /^at least one builder must be defined$/,
  /^provisioner \d+: /,
  /^post-processor \d+\.\d+: /,
  /^This template requires Packer version /,
  /^min_version is invalid/,
];

corpusTest("checkTemplate finds exactly the template-level errors Packer 1.6.6's validate reported on the corpus", (t) => {
  let checked = 0;
  for (const entry of jsonCorpus()) {
    let template;
    try {
      template = loadTemplate(templatePath(entry), entry.target);
    } catch (e) {
      if (e instanceof TemplateError) continue; // a parse error: covered by the parser's tests
      throw e;
    }
    const problems = checkTemplate(template);
    const invocations = [entry.validate, ...(entry.additional_invocations ?? []).filter((i) => i.argv[1] === "validate")];
    for (const run of invocations) {
      const expected = run.error_message ?? "";
      if (TEMPLATE_LEVEL.some((re) => re.test(expected))) {
        t.is(problems[0]?.message, expected, `${entry.id} ${run.argv.join(" ")}`);
      } else {
        t.deepEqual(problems.map((p) => p.message), [], `${entry.id} ${run.argv.join(" ")}`);
      }
      checked++;
    }
  }
  t.true(checked > 70);
});

function check(json: unknown): string[] {
  return checkTemplate(parseTemplate(JSON.stringify(json, null, 2), "/abs/t.json", "t.json")).map((e) => e.message);
}

test("only/except/override must name builders (by their names as written); only one of only and except", (t) => {
  t.deepEqual(
    check({
      builders: [{ type: "null", name: "{{user `n`}}" }, { type: "file" }],
      provisioners: [
        { type: "shell", only: ["{{user `n`}}"], override: { file: {}, nope: {} } },
        { type: "shell", only: ["a"], except: ["b"] },
        { type: "shell", except: ["x", "file", "y"] },
      ],
      "post-processors": [["manifest", { type: "checksum", only: ["zz"] }]],
    }),
    [
      "provisioner 1: override 'nope' doesn't exist",
      "provisioner 2: only one of 'only' or 'except' may be specified",
      "provisioner 3: 'except' specified builder 'x' not found",
      "provisioner 3: 'except' specified builder 'y' not found",
      "post-processor 1.2: 'only' specified builder 'zz' not found",
    ],
  );
});

test("min_packer_version: compared with 1.6.6, printed as go-version prints it, checked only when the rest is sound", (t) => {
  t.deepEqual(check({ min_packer_version: "1.6.6", builders: [{ type: "null" }] }), []);
  t.deepEqual(check({ min_packer_version: "v1.6", builders: [{ type: "null" }] }), []);
  t.deepEqual(check({ min_packer_version: "1.6.7-beta1", builders: [{ type: "null" }] }), [
    "This template requires Packer version 1.6.7-beta1 or higher; using 1.6.6",
  ]);
  t.deepEqual(check({ min_packer_version: "2", builders: [{ type: "null" }] }), ["This template requires Packer version 2.0.0 or higher; using 1.6.6"]);
  t.deepEqual(check({ min_packer_version: "one", builders: [{ type: "null" }] }), ["min_version is invalid: Malformed version: one"]);
  t.deepEqual(check({ min_packer_version: "9.0.0" }), ["at least one builder must be defined"]);
  const [e] = checkTemplate(parseTemplate('{\n  "builders": [{"type": "null"}],\n  "min_packer_version": "3.0"\n}', "/abs/t.json", "t.json"));
  t.deepEqual([e.line, e.column, e.field], [3, 3, "min_packer_version"]);
});

test("go-version ordering: pre-releases sort before their release", (t) => {
  const cmp = (a: string, b: string) => comparePackerVersions(parsePackerVersion(a), parsePackerVersion(b));
  t.is(cmp("1.6.6", "1.6.6-rc1"), 1);
  t.is(cmp("1.6.6-alpha", "1.6.6-beta"), -1);
  t.is(cmp("1.6.6-rc.2", "1.6.6-rc.10"), -1);
  t.is(cmp("1.10.0", "1.9.9"), 1);
  t.is(cmp("1.6.6+abc", "1.6.6"), 0);
});
