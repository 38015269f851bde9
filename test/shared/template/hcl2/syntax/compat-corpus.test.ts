import test from "ava";
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { COMPAT_DIR, type TemplateEntry } from "../../../../conformance/corpus.js";
import { havePacker166, runPacker } from "../../../../fixtures/packer-cli.js";
import { formatHcl, formatHclDiagnostics, initHclParser, parseHclFile } from "../../../../../shared/template/hcl2/syntax/index.js";
import { tempDirSync } from "../../../../fixtures/temp-dir.js";

const templates = join(COMPAT_DIR, "templates");
const present = existsSync(templates);
if (!present) console.log(`compat-corpus: ${templates} is not here (set KILN_COMPAT_DIR), the corpus tests are skipped`);
const corpusTest = present ? test : test.skip;
const havePacker = present && (await havePacker166());

/** Every HCL2 file of the conformance corpus (templates, folders, variable files). */
function hclFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".pkr.hcl") || e.name.endsWith(".pkrvars.hcl")) out.push(p);
    }
  };
  walk(templates);
  return out.sort();
}

test.before(async () => {
  await initHclParser();
});

corpusTest("every HCL2 file of the corpus parses without syntax errors, except the one recorded as a syntax error", (t) => {
  const files = hclFiles();
  t.true(files.length >= 40, `${files.length} files`);
  const expected = JSON.parse(readFileSync(join(COMPAT_DIR, "expected.json"), "utf8")) as { templates: TemplateEntry[] };
  const syntaxError = expected.templates.find((e) => e.id === "hcl/new-syntax-error");
  if (!syntaxError) return t.fail("the corpus has no hcl/new-syntax-error entry");
  for (const path of files) {
    const name = relative(join(templates, "hcl"), path);
    const { file, diagnostics } = parseHclFile(name, readFileSync(path, "utf8"));
    if (name === "new-syntax-error.pkr.hcl") {
      t.is(`${formatHclDiagnostics(diagnostics, new Map([[name, file]]))}\n`, syntaxError.validate_syntax_only.stdout, name);
    } else t.deepEqual(diagnostics, [], name);
  }
});

corpusTest("formatHcl is idempotent on every HCL2 file of the corpus", (t) => {
  for (const path of hclFiles()) {
    const once = formatHcl(readFileSync(path, "utf8"));
    t.is(formatHcl(once), once, path);
  }
});

(havePacker ? test : test.skip)("formatHcl agrees with a live `packer fmt` on every HCL2 file of the corpus", async (t) => {
  t.timeout(120_000);
  const dir = tempDirSync("kiln-hcl-fmt-corpus-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Flattened copies (packer fmt refuses the whole folder if one file does not parse).
  const copies = hclFiles()
    .filter((p) => !p.endsWith("new-syntax-error.pkr.hcl"))
    .map((p) => {
      const copy = join(dir, relative(templates, p).replaceAll("/", "_"));
      copyFileSync(p, copy);
      return { original: p, copy };
    });
  const r = await runPacker(["fmt", "."], { cwd: dir, killAfterMs: 90_000 });
  t.is(r.status, 0, r.stdout + r.stderr);
  for (const { original, copy } of copies) t.is(formatHcl(readFileSync(original, "utf8")), readFileSync(copy, "utf8"), original);
});
