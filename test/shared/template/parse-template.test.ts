import test from "ava";
import { loadTemplate, parseTemplate, TemplateError, TemplateErrors, TemplateSyntaxError, formatPackerErrors, templateErrorsOf } from "../../../shared/template/index.js";
import { corpusEntry, jsonCorpus, templatePath, corpusTest } from "./compat-corpus.js";

/** Where Kiln means to differ from Packer 1.6.6 in `validate -syntax-only`. */
const INTENDED_SYNTAX_DIFFERENCES = new Set(["json/new-utf8-bom"]);

function parseError(text: string, file = "t.json"): TemplateError {
  try {
    parseTemplate(text, `/abs/${file}`, file);
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error("expected a TemplateError");
}

/** What Packer prints after `Failed to parse template: `. */
function packerText(e: TemplateError): string {
  return e instanceof TemplateErrors ? e.packerText() : formatPackerErrors([e], "single");
}

corpusTest("every JSON template of the corpus passes or fails -syntax-only as Packer 1.6.6 did, naming the same problem", (t) => {
  const entries = jsonCorpus();
  t.is(entries.length, 85);
  for (const entry of entries) {
    let error: TemplateError | undefined;
    try {
      loadTemplate(templatePath(entry), entry.target);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      error = e;
    }
    const expected = entry.validate_syntax_only;
    if (INTENDED_SYNTAX_DIFFERENCES.has(entry.id)) {
      t.is(expected.exit_code, 1, entry.id);
      t.is(error, undefined, `${entry.id}: Kiln accepts it on purpose`);
      continue;
    }
    t.is(error ? 1 : 0, expected.exit_code, `${entry.id}: ${error?.message ?? "accepted"}`);
    if (error && expected.error_message) {
      const packerMessage = expected.error_message.replace(/^Failed to parse template: /, "");
      const ours = packerText(error).replace(/\s+/g, " ");
      t.true(ours.includes(packerMessage), `${entry.id}: expected "${packerMessage}" in "${ours}"`);
    }
  }
});

corpusTest("multi-error output is Packer's text byte for byte where Packer is deterministic", (t) => {
  for (const id of ["tpl-parse-builder-no-type", "tpl-parse-builder-repeat", "tpl-parse-pp-no-type", "tpl-parse-provisioner-no-type",
    "new-unknown-root-key", "new-pp-nested-sequence", "new-duplicate-builder-name", "new-pause-before-invalid",
    "cmd-validate-invalid-broken", "new-root-array", "tpl-error-duplicate-config", "tpl-error-duplicate-variables"]) {
    const entry = corpusEntry(id);
    try {
      loadTemplate(templatePath(entry), entry.target);
      t.fail(`${id} should not parse`);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      t.is(`Failed to parse template: ${packerText(e)}\n`, entry.validate_syntax_only.stdout, id);
    }
  }
});

corpusTest("syntax errors carry the right line and column, Packer's offset and a caret excerpt", (t) => {
  const cases: [string, number, number, number][] = [
    ["tpl-error-beginning", 1, 1, 1],
    ["tpl-error-middle", 5, 5, 50], // Packer says column 6: one too many after line 1
    ["tpl-error-end", 1, 30, 30],
    ["tpl-malformed", 16, 2, 433], // Packer says column 3
    ["new-empty-file", 1, 1, 0], // Packer says column 0
  ];
  for (const [id, line, column, offset] of cases) {
    const entry = corpusEntry(id);
    const e = t.throws(() => loadTemplate(templatePath(entry), entry.target), { instanceOf: TemplateSyntaxError });
    t.is(e?.line, line, id);
    t.is(e?.column, column, id);
    t.is((e as TemplateSyntaxError).offset, offset, id);
    t.is(e?.file, entry.target);
  }
  const middle = corpusEntry("tpl-error-middle");
  const e = t.throws(() => loadTemplate(templatePath(middle), middle.target), { instanceOf: TemplateSyntaxError }) as TemplateSyntaxError;
  t.is(
    e.excerpt,
    'At line 5, column 5 (offset 50):\n    4:       "type":"test",\n    5:     }\n           ^\n',
  );
  t.is(e.describe(), "tpl-error-middle.json:5:5: Error parsing JSON: invalid character '}' looking for beginning of object key string");
});

test("Go's wording for each kind of JSON syntax error", (t) => {
  const cases: [string, string, number, number][] = [
    ['{"a" 1}', "invalid character '1' after object key", 1, 6],
    ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair", 1, 8],
    ["[1 2]", "invalid character '2' after array element", 1, 4],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')", 1, 9],
    ['{"a":01}', "invalid character '1' after object key:value pair", 1, 7],
    ['{"a":1.}', "invalid character '}' after decimal point in numeric literal", 1, 8],
    ['{"a":"\\q"}', "invalid character 'q' in string escape code", 1, 8],
    ['{"a":"x\ny"}', "invalid character '\\n' in string literal", 1, 8],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string", 1, 8],
    ["[1,]", "invalid character ']' looking for beginning of value", 1, 4],
    ['{"a":1}//x', "invalid character '/' after top-level value", 1, 8],
    ['{/*c*/"a":1}', "invalid character '/' looking for beginning of object key string", 1, 2],
    ["{'a':1}", "invalid character '\\'' looking for beginning of object key string", 1, 2],
    ['{"a":\n', "unexpected end of JSON input", 2, 1],
    ['{"é":"x",\n "ü": ¿}', "invalid character 'Â' looking for beginning of value", 2, 7],
  ];
  for (const [text, message, line, column] of cases) {
    const e = parseError(text);
    t.true(e instanceof TemplateSyntaxError, text);
    t.is(e.message, `Error parsing JSON: ${message}`, text);
    t.is(e.line, line, text);
    t.is(e.column, column, text);
  }
});

test("a UTF-8 byte order mark is accepted and does not shift columns", (t) => {
  const tpl = parseTemplate('\ufeff{"builders": [{"type": "null", "communicator": "none"}]}', "/abs/t.json", "t.json");
  t.is(tpl.builders[0].type, "null");
  t.deepEqual(tpl.builders[0].position, { file: "t.json", line: 1, column: 15 });
  const e = parseError('\ufeff{"builders": x}');
  t.is(e.column, 14);
});

test("duplicate keys are found at any depth, each with its place", (t) => {
  const e = parseError('{\n  "builders": [\n    {"type": "null", "communicator": "none", "type": "file"}\n  ],\n  "variables": {"a": "1", "a": "2"}\n}');
  t.true(e instanceof TemplateErrors);
  const errors = templateErrorsOf(e);
  t.deepEqual(errors.map((x) => [x.message, x.line, x.column, x.field]), [
    ["template has duplicate field: type", 3, 46, "builders[0].type"],
    ["template has duplicate field: a", 5, 27, "variables.a"],
  ]);
});

test("builders: names default to the type, duplicates and missing types are reported with their place", (t) => {
  const e = parseError('{"builders": [\n {"type": "null"},\n {"name": "x"},\n {"type": "null"},\n "oops"\n]}');
  t.deepEqual(templateErrorsOf(e).map((x) => [x.message, x.line, x.column, x.field]), [
    ["builder 2: missing 'type'", 3, 2, "builders[1].type"],
    ["builder 3: builder with name 'null' already exists", 4, 3, "builders[2].type"],
    ["builder 4: '' expected a map, got 'string'", 5, 2, "builders[3]"],
  ]);
});

test("builders keep their own keys with positions; name and type are taken out", (t) => {
  const tpl = parseTemplate(
    '{\n  "builders": [\n    {\n      "name": "web",\n      "type": "docker",\n      "image": "alpine",\n      "commit": true\n    }\n  ]\n}',
    "/abs/t.json",
    "t.json",
  );
  const b = tpl.builders[0];
  t.is(b.name, "web");
  t.deepEqual(b.raw.config, { image: "alpine", commit: true });
  t.deepEqual(b.raw.position, { file: "t.json", line: 3, column: 5 });
  t.deepEqual(b.raw.keyPositions, {
    image: { file: "t.json", line: 6, column: 7 },
    commit: { file: "t.json", line: 7, column: 7 },
  });
});

test("provisioners: common keys become fields, durations are checked, max_retries may wait for interpolation", (t) => {
  const tpl = parseTemplate(
    JSON.stringify({
      builders: [{ type: "null" }],
      provisioners: [
        { type: "shell", inline: ["x"], only: "null", pause_before: "1m30s", timeout: 2e9, max_retries: 3, override: { null: { inline: ["y"] } } },
        { type: "shell-local", command: "true", max_retries: "{{user `n`}}", except: ["a", "b"] },
      ],
      "error-cleanup-provisioner": { type: "shell-local", inline: ["cleanup"] },
    }),
    "/abs/t.json",
    "t.json",
  );
  const [p1, p2] = tpl.provisioners;
  t.deepEqual(p1.raw.config, { inline: ["x"] });
  t.deepEqual(p1.only, ["null"]);
  t.is(p1.pauseBeforeMs, 90_000);
  t.is(p1.timeoutMs, 2000);
  t.is(p1.maxRetries, 3);
  t.is(p1.maxRetriesText, undefined);
  t.deepEqual(p1.override, { null: { inline: ["y"] } });
  t.deepEqual(p2.except, ["a", "b"]);
  t.is(p2.maxRetries, 0);
  t.is(p2.maxRetriesText, "{{user `n`}}");
  t.deepEqual(tpl.errorCleanupProvisioner?.raw.config, { inline: ["cleanup"] });

  const e = parseError(JSON.stringify({ "error-cleanup-provisioner": { inline: [] } }));
  t.is(e.message, "On Error Cleanup Provisioner error: Provisioner missing 'type'");
  const d = parseError('{"provisioners": [\n {"type": "shell", "timeout": "soon", "max_retries": [1]}\n]}');
  t.is(d.message, "provisioner 1: Error decoding provisioner: 2 error(s) decoding:\n\n* 'max_retries' expected type 'string', got unconvertible type '[]interface {}', value: '[1]'\n* error decoding 'timeout': time: invalid duration \"soon\"");
  t.deepEqual([d.line, d.column, d.field], [2, 20, "provisioners[0].timeout"]);
});

test("post-processors: a name, an object or a chain; a chain in a chain is an error", (t) => {
  const tpl = parseTemplate(
    JSON.stringify({
      builders: [{ type: "null" }],
      "post-processors": ["manifest", { type: "checksum", keep_input_artifact: true, checksum_types: ["md5"] }, ["compress", { type: "manifest", name: "m2", only: ["null"] }]],
    }),
    "/abs/t.json",
    "t.json",
  );
  t.deepEqual(
    tpl.postProcessors.map((c) => c.map((p) => [p.type, p.name, p.keepInputArtifact])),
    [[["manifest", "manifest", undefined]], [["checksum", "checksum", true]], [["compress", "compress", undefined], ["manifest", "m2", undefined]]],
  );
  t.deepEqual(tpl.postProcessors[1][0].raw.config, { checksum_types: ["md5"] });
  t.deepEqual(tpl.postProcessors[2][1].only, ["null"]);
  const e = parseError(JSON.stringify({ "post-processors": [{ type: "manifest", keep_input_artifact: "yes", only: "x" }, [3]] }));
  t.deepEqual(templateErrorsOf(e).map((x) => x.message), [
    "post-processor 1.1: 2 error(s) decoding:\n\n* 'Only': source data must be an array or slice, got string\n* 'keep_input_artifact' expected type 'bool', got unconvertible type 'string', value: 'yes'",
    "post-processor 2.1: unknown format",
  ]);
});

test("root keys: comments start with _, push is accepted, types are checked as Packer's decoder does", (t) => {
  const tpl = parseTemplate(
    JSON.stringify({ _comment: "hi", push: { name: "x" }, description: "d", min_packer_version: "1.5.0", variables: { a: "1", b: null }, "sensitive-variables": ["a", "zz"], builders: [{ type: "null" }] }),
    "/abs/t.json",
    "t.json",
  );
  t.is(tpl.description, "d");
  t.is(tpl.minPackerVersion, "1.5.0");
  t.deepEqual(tpl.variables.map((v) => [v.name, v.default, v.required]), [["a", "1", false], ["b", undefined, true]]);
  t.deepEqual(tpl.sensitiveVariables, ["a"]);
  const e = parseError(JSON.stringify({ description: 5, variables: [] }));
  t.is(packerText(e), "2 error(s) decoding:\n\n* 'Description' expected type 'string', got unconvertible type 'float64', value: '5'\n* 'Variables' expected a map, got 'slice'");
  t.is(parseError(JSON.stringify({ _c: 1 })).message, 'Failed to cast root level comment value in comment "_c" to string.');
  t.deepEqual(parseTemplate("null", "/abs/t.json", "t.json").builders, []);
});

test("loadTemplate names a missing file", (t) => {
  const e = t.throws(() => loadTemplate("/nonexistent/kiln/t.json", "t.json"), { instanceOf: TemplateError });
  t.is(e?.message, "open t.json: no such file or directory: check the template path");
});
