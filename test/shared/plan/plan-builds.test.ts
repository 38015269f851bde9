import test from "ava";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadTemplate, parseTemplate, resolveVariables, TemplateError, type Template } from "../../../shared/template/index.js";
import { planBuilds, type BuildSpec } from "../../../shared/plan/index.js";
import { JSON_TEMPLATES_DIR, corpusEntry, selectionArgs, templatePath, corpusTest } from "../template/compat-corpus.js";

const INIT_TIME = new Date("2024-05-06T07:08:09Z");
const RUN_UUID = "6f1c1f5e-9c55-4e0b-9d1d-1c1f5e9c554e";

function plan(t: Template, sel: { only?: string[]; except?: string[] } = {}, vars: [string, string][] = []): BuildSpec[] {
  const resolved = resolveVariables(t, { vars, varFiles: [], cwd: JSON_TEMPLATES_DIR, env: {}, initTime: INIT_TIME });
  return planBuilds(t, resolved, { only: sel.only ?? [], except: sel.except ?? [], initTime: INIT_TIME, runUuid: RUN_UUID });
}

function corpus(id: string): Template {
  const entry = corpusEntry(id);
  return loadTemplate(templatePath(entry), entry.target);
}

function chainNames(spec: BuildSpec): string[][] {
  return spec.postProcessorChains.map((c) => c.map((p) => p.name ?? p.type));
}

corpusTest("one spec per builder, sorted by name, each chain filtered by the post-processors' only (cmd-build-only-template)", (t) => {
  const specs = plan(corpus("cmd-build-only-template"));
  t.deepEqual(specs.map((s) => s.name), ["cherry", "chocolate", "vanilla"]);
  const byName = Object.fromEntries(specs.map((s) => [s.name, chainNames(s)]));
  t.deepEqual(byName.cherry, [["apple", "peach"], ["pear", "banana"]]);
  t.deepEqual(byName.chocolate, [["apple", "peach"], ["pear", "banana"], ["shell-local"]]);
  t.deepEqual(byName.vanilla, [["apple", "peach"], ["pear", "banana"], ["tomato"]]);
  t.deepEqual(specs[0].builder, {
    type: "file",
    config: { content: "cherry", target: "cherry.txt" },
    position: specs[0].builder.position,
    keyPositions: specs[0].builder.keyPositions,
  });
  t.is(specs[0].builder.position?.line, 15);
});

corpusTest("-only and -except select builds as in the corpus' recorded invocations", (t) => {
  const template = corpus("cmd-build-only-template");
  const entry = corpusEntry("cmd-build-only-template");
  const expected: Record<string, string[]> = {
    "-only=chocolate,vanilla": ["chocolate", "vanilla"],
    "-except=chocolate,vanilla,tomato": ["cherry"],
    "-only=nope": [],
  };
  for (const run of entry.additional_invocations ?? []) {
    const flag = run.argv.find((a) => a.startsWith("-only=") || a.startsWith("-except=")) ?? "";
    t.is(run.exit_code, 0);
    t.deepEqual(plan(template, selectionArgs(run.argv)).map((s) => s.name), expected[flag], flag);
  }
  const chocolateOnly = plan(corpus("cmd-build-only-not-found"), { only: ["chocolate"] });
  t.deepEqual(chocolateOnly.map((s) => s.name), ["chocolate"]);
});

corpusTest("-except on a post-processor drops it and the rest of its chain, not the other chains", (t) => {
  const template = corpus("cmd-validate-validate_except-noversion");
  const pear = plan(template, { except: ["vanilla", "pear"] });
  t.deepEqual(pear.map((s) => [s.name, chainNames(s)]), [["chocolate", [["apple"]]]]);
  const banana = plan(template, { except: ["vanilla", "banana"] });
  t.deepEqual(banana.map((s) => [s.name, chainNames(s)]), [["chocolate", [["apple"], ["pear"]]]]);
});

test("-only/-except take glob patterns; a name without wildcards matches only itself", (t) => {
  const template = parseTemplate(
    JSON.stringify({ builders: ["app-a", "app-b", "db", "app.x/y"].map((name) => ({ type: "null", name })) }),
    "/abs/t.json",
    "t.json",
  );
  t.deepEqual(plan(template, { only: ["app-*"] }).map((s) => s.name), ["app-a", "app-b"]);
  t.deepEqual(plan(template, { only: ["app*"] }).map((s) => s.name), ["app-a", "app-b", "app.x/y"]);
  t.deepEqual(plan(template, { except: ["app-?", "d[ab]"] }).map((s) => s.name), ["app.x/y"]);
  t.deepEqual(plan(template, { only: ["app"] }).map((s) => s.name), []);
});

corpusTest("override is merged into the provisioner's config for that build only (cmd-provisioners-provisioner-override)", (t) => {
  const specs = plan(corpus("cmd-provisioners-provisioner-override"));
  t.deepEqual(specs.map((s) => [s.name, s.provisioners.map((p) => p.raw.config.inline)]), [
    ["example1", [["echo yes overridden"]]],
    ["example2", [["echo not overridden"]]],
  ]);
  const template = corpus("cmd-provisioners-provisioner-override");
  t.deepEqual(template.provisioners[0].raw.config.inline, ["echo not overridden"], "the template is left as it was");
});

test("provisioners' only/except, pause, retries and timeouts; the cleanup provisioner applies to every build", (t) => {
  const template = parseTemplate(
    JSON.stringify({
      builders: [{ type: "null", name: "a" }, { type: "null", name: "b" }],
      provisioners: [
        { type: "shell-local", inline: ["1"], only: ["a"], pause_before: "2s", max_retries: "4", timeout: "1m" },
        { type: "shell-local", inline: ["2"], except: ["a"] },
      ],
      "error-cleanup-provisioner": { type: "shell-local", inline: ["clean"], override: { b: { inline: ["clean b"] } } },
    }),
    "/abs/t.json",
    "t.json",
  );
  const [a, b] = plan(template);
  t.deepEqual(a.provisioners.map((p) => [p.raw.config.inline, p.pauseBeforeMs, p.maxRetries, p.timeoutMs]), [[["1"], 2000, 4, 60_000]]);
  t.deepEqual(b.provisioners.map((p) => p.raw.config.inline), [["2"]]);
  t.deepEqual(a.errorCleanupProvisioner?.raw.config.inline, ["clean"]);
  t.deepEqual(b.errorCleanupProvisioner?.raw.config.inline, ["clean b"]);
});

corpusTest("a spec carries the variables, sensitive values, template paths, run time and id", (t) => {
  const template = corpus("core-sensitive-variables");
  const [spec] = plan(template);
  t.deepEqual(spec.variables, { foo: "bar_extra_sensitive_probably_a_password" });
  t.deepEqual(spec.declaredVariables, ["foo"]);
  t.deepEqual(spec.sensitiveValues, ["bar_extra_sensitive_probably_a_password"]);
  t.deepEqual(spec.template, { displayPath: "core-sensitive-variables.json", path: join(JSON_TEMPLATES_DIR, "core-sensitive-variables.json") });
  t.is(spec.initTime, "2024-05-06T07:08:09.000Z");
  t.is(spec.runUuid, RUN_UUID);
  t.deepEqual(JSON.parse(JSON.stringify(spec)), spec, "plain JSON");
});

corpusTest("files: the relative paths a build reads from the template's folder, and nothing outside it", (t) => {
  t.deepEqual(plan(corpus("acc-provisioner-shell-script"))[0].files, ["script.sh"]);
  t.deepEqual(plan(corpus("acc-provisioner-file-file"))[0].files, ["file.txt"]);
  t.deepEqual(plan(corpus("bld-virtualbox-iso-minimal"))[0].files, ["http"]);
  for (const spec of [corpus("acc-provisioner-shell-script"), corpus("acc-provisioner-file-file"), corpus("bld-virtualbox-iso-minimal")].flatMap((tpl) => plan(tpl))) {
    for (const f of spec.files) t.true(existsSync(join(JSON_TEMPLATES_DIR, f)), f);
  }
  const template = parseTemplate(
    JSON.stringify({
      builders: [{
        type: "qemu",
        iso_url: "http://example.com/x.iso",
        iso_urls: ["isos/local.iso", "file:isos/other.iso", "file:///abs/x.iso"],
        iso_checksum: "file:SHA256SUMS",
        floppy_files: ["floppy/*.cfg", "ks.cfg", "/etc/passwd", "../outside.cfg"],
        cd_files: ["cd/**"],
        http_directory: ".",
        ssh_private_key_file: "id_rsa",
      }],
      provisioners: [
        { type: "shell", scripts: ["s/1.sh", "s/2.sh"] },
        { type: "file", source: "/remote/log", destination: "log", direction: "download" },
        { type: "file", sources: ["a.txt", "a.txt"], destination: "/tmp/" },
      ],
      "post-processors": [{ type: "vagrant", vagrantfile_template: "tpl/Vagrantfile", include: ["README"] }],
    }),
    "/work/tpl/t.json",
    "t.json",
  );
  const [spec] = planBuilds(template, { values: {}, sensitiveValues: [] }, { only: [], except: [], initTime: INIT_TIME, runUuid: RUN_UUID });
  t.deepEqual(spec.files, [".", "README", "SHA256SUMS", "a.txt", "cd", "floppy", "isos/local.iso", "isos/other.iso", "ks.cfg", "s/1.sh", "s/2.sh", "tpl/Vagrantfile"]);
});

// The cases below need the Go-template engine (shared/template/interpolate).

corpusTest("build names are interpolated; only/except/override still use the name as written (core-build-names-func)", (t) => {
  t.deepEqual(plan(corpus("core-build-names-func")).map((s) => [s.name, s.builder.type]), [["TUBES", "{{upper `tubes`}}"]]);
  const template = parseTemplate(
    JSON.stringify({
      variables: { n: "web", r: "2" },
      builders: [{ type: "null", name: "{{user `n`}}-1" }],
      provisioners: [{ type: "shell-local", inline: ["x"], only: ["{{user `n`}}-1"], max_retries: "{{user `r`}}", override: { "{{user `n`}}-1": { inline: ["y"] } } }],
    }),
    "/abs/t.json",
    "t.json",
  );
  const specs = plan(template, { only: ["web-*"] });
  t.deepEqual(specs.map((s) => [s.name, s.provisioners.map((p) => [p.raw.config.inline, p.maxRetries])]), [["web-1", [[["y"], 2]]]]);
  const bad = parseTemplate(JSON.stringify({ builders: [{ type: "null" }], provisioners: [{ type: "shell-local", max_retries: "{{user `r`}}x" }], variables: { r: "2" } }), "/abs/t.json", "t.json");
  const e = t.throws(() => plan(bad), { instanceOf: TemplateError });
  t.is(e?.message, '`max_retries` must be a valid integer: strconv.Atoi: parsing "2x": invalid syntax');
});

test("two builders whose names render alike are refused", (t) => {
  const template = parseTemplate(
    JSON.stringify({ variables: { a: "same" }, builders: [{ type: "null", name: "same" }, { type: "null", name: "{{user `a`}}" }] }),
    "/abs/t.json",
    "t.json",
  );
  const e = t.throws(() => plan(template), { instanceOf: TemplateError });
  t.regex(e?.message ?? "", /^builder 2: builder with name 'same' already exists/);
});
