import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import test from "ava";
import { initHclParser, parseHclFile } from "../../../shared/template/hcl2/syntax/index.js";
import { loadTemplateForReport, planHclTemplate, planTemplate } from "../../../shared/validation/load-and-plan.js";
import type { BuildSpec } from "../../../shared/plan/build-spec.js";
import { kilnIn, workspace } from "./kiln-process.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const repo = resolve(import.meta.dirname, "../../../..");
const noInputs = { vars: [], varFiles: [], only: [], except: [] };

/** What a build does, without the names HCL2 and JSON give builds differently. */
function shapeOf(spec: BuildSpec): unknown {
  return {
    builder: spec.builder.type,
    provisioners: spec.provisioners.map((p) => p.type),
    postProcessors: spec.postProcessorChains.map((c) => c.map((p) => p.type)),
  };
}

test("every JSON example upgrades to HCL2 that parses cleanly, validates, and plans the same builds", async (t) => {
  t.timeout(120_000);
  await initHclParser();
  const examples = readdirSync(join(repo, "examples")).filter((e) => existsSync(join(repo, "examples", e, "template.json")));
  t.true(examples.length > 0);
  for (const example of examples) {
    const dir = tempDirSync("kiln-upgrade-");
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(repo, "examples", example), dir, { recursive: true });
    const r = kilnIn(dir, ["hcl2_upgrade", "template.json"]);
    t.is(r.status, 0, r.stdout + r.stderr);
    t.is(r.stdout, "Successfully created template.json.pkr.hcl\n");
    const text = readFileSync(join(dir, "template.json.pkr.hcl"), "utf8");
    t.deepEqual(parseHclFile("template.json.pkr.hcl", text).diagnostics, [], `${example}:\n${text}`);
    const v = kilnIn(dir, ["validate", "template.json.pkr.hcl"]);
    t.is(v.status, 0, `${example}: ${v.stdout}\n${text}`);

    const loaded = loadTemplateForReport("template.json", dir);
    if (!loaded.ok) return t.fail(loaded.text);
    const json = planTemplate(loaded.template, noInputs, dir, {});
    const hcl = await planHclTemplate("template.json.pkr.hcl", noInputs, dir, {});
    if (!json.ok || !hcl.ok) return t.fail(`${example}: ${JSON.stringify(json.ok ? hcl : json)}`);
    const byBuilder = (specs: BuildSpec[]) => specs.map(shapeOf).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    t.deepEqual(byBuilder(hcl.specs), byBuilder(json.specs), example);
  }
});

test("the upgraded hello example builds the same files as the JSON template", (t) => {
  t.timeout(120_000);
  const jsonDir = tempDirSync("kiln-upgrade-json-");
  const hclDir = tempDirSync("kiln-upgrade-hcl-");
  t.teardown(() => {
    rmSync(jsonDir, { recursive: true, force: true });
    rmSync(hclDir, { recursive: true, force: true });
  });
  cpSync(join(repo, "examples/hello"), jsonDir, { recursive: true });
  cpSync(join(repo, "examples/hello"), hclDir, { recursive: true });
  t.is(kilnIn(hclDir, ["hcl2_upgrade", "-output-file=hello.pkr.hcl", "template.json"]).status, 0);
  rmSync(join(hclDir, "template.json"));
  const env = { USER: "upgrade-test" };
  const a = kilnIn(jsonDir, ["build", "-color=false", "template.json"], { env });
  const b = kilnIn(hclDir, ["build", "-color=false", "hello.pkr.hcl"], { env });
  t.is(a.status, 0, a.stdout);
  t.is(b.status, 0, b.stdout);
  t.deepEqual(readdirSync(join(hclDir, "output")).sort(), readdirSync(join(jsonDir, "output")).sort());
  const greeting = (dir: string) => readFileSync(join(dir, "output/greeting.txt"), "utf8").replace(/Built at .*/, "Built at T");
  t.is(greeting(hclDir), greeting(jsonDir));
  t.regex(greeting(hclDir), /^hello, upgrade-test!/);
  t.regex(b.stdout, /running local \(a null build\)/);
});

test("variables, sensitive ones, env defaults, only/except, overrides and escapes are written as HCL2", (t) => {
  const dir = workspace({
    "t.json": {
      variables: { region: "{{env `AWS_REGION`}}", secret: "", literal: "${not-hcl} %{x}" },
      "sensitive-variables": ["secret"],
      builders: [
        { type: "null", name: "a", communicator: "none" },
        { type: "file", name: "b", content: "{{user `literal`}} {{timestamp}} {{uuid}} {{template_dir}}", target: "out.txt" },
      ],
      provisioners: [{ type: "shell-local", except: ["b"], pause_before: "2s", max_retries: 3, inline: ["echo {{build_name}}"], override: { a: { inline: ["echo a"] } } }],
    },
  });
  const r = kilnIn(dir, ["hcl2_upgrade", "-with-annotations", "t.json"]);
  t.is(r.status, 0, r.stdout);
  const text = readFileSync(join(dir, "t.json.pkr.hcl"), "utf8");
  t.regex(text, /variable "region" \{\n {2}type {4}= string\n {2}default = "\$\{env\("AWS_REGION"\)\}"\n\}/);
  t.regex(text, /variable "secret" \{[^}]*sensitive = true/);
  t.regex(text, /default += "\$\$\{not-hcl\} %%\{x\}"/, "HCL's own template markers in a JSON string are escaped");
  t.regex(text, /content = "\$\{var\.literal\} \$\{local\.timestamp\} \$\{uuidv4\(\)\} \$\{path\.root\}"/);
  t.regex(text, /except += \["file\.b"\]/);
  t.regex(text, /pause_before += "2s"/);
  t.regex(text, /max_retries += 3/);
  t.regex(text, /inline += \["echo \$\{source\.name\}"\]/);
  t.regex(text, /^# A build block invokes sources/m, "-with-annotations explains the sections");
  const v = kilnIn(dir, ["validate", "t.json.pkr.hcl"]);
  t.is(v.status, 0, `${v.stdout}\n${text}`);
});

test("a template that does not parse is reported and nothing is written", (t) => {
  const dir = workspace({ "bad.json": { builders: [{ type: "null", communicator: "none" }], nonsense: 1 } });
  const r = kilnIn(dir, ["hcl2_upgrade", "bad.json"]);
  t.is(r.status, 1);
  t.regex(r.stdout, /Failed to parse template/);
  t.false(existsSync(join(dir, "bad.json.pkr.hcl")));
});

test("builder names with interpolation become valid source labels, and {{user}} of an undeclared variable is declared", (t) => {
  const dir = workspace({
    "t.json": {
      variables: { version: "1", stamp: "img-{{timestamp}}" },
      builders: [
        { type: "null", name: "ubuntu-{{user `version`}}-amd64", communicator: "none" },
        { type: "null", name: "ubuntu-{{user `version`}}-amd64 ", communicator: "none" },
      ],
      provisioners: [{ type: "shell-local", only: ["ubuntu-{{user `version`}}-amd64"], inline: ["echo {{user `undeclared`}} {{user `stamp`}}"] }],
    },
  });
  t.is(kilnIn(dir, ["hcl2_upgrade", "t.json"]).status, 0);
  const text = readFileSync(join(dir, "t.json.pkr.hcl"), "utf8");
  t.regex(text, /source "null" "ubuntu-amd64" \{/);
  t.regex(text, /source "null" "ubuntu-amd64-2" \{/);
  t.regex(text, /only += \["null\.ubuntu-amd64"\]/);
  t.regex(text, /variable "undeclared" \{\n {2}type {4}= string\n {2}default = ""\n\}/);
  t.regex(text, /default = "img-\$\{regex_replace\(timestamp\(\), "\[- TZ:\]", ""\)\}"/, "locals are not visible in variable defaults");
  const v = kilnIn(dir, ["validate", "t.json.pkr.hcl"]);
  t.is(v.status, 0, `${v.stdout}\n${text}`);
});
