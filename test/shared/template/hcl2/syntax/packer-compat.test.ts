import test from "ava";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatHcl, formatHclDiagnostics, initHclParser, parseHclFile, parseHclJsonFile } from "../../../../../shared/template/hcl2/syntax/index.js";
import { formatCases, jsonSyntaxErrorCases, syntaxErrorCases } from "./packer-cases.js";
import { havePacker166, runPacker } from "../../../../fixtures/packer-cli.js";
import { tempDirSync } from "../../../../fixtures/temp-dir.js";

const havePacker = await havePacker166();
const live = havePacker ? test : test.skip;
if (!havePacker) console.log("packer-compat: packer 1.6.6 is not on PATH, the live comparisons are skipped");

test.before(async () => {
  await initHclParser();
});

/** What `packer validate -syntax-only` prints, from Kiln's diagnostics. */
function kilnSyntaxOutput(file: string, source: string): string {
  const { file: parsed, diagnostics } = file.endsWith(".json") ? parseHclJsonFile(file, source) : parseHclFile(file, source);
  if (diagnostics.length === 0) return "Syntax-only check passed. Everything looks okay.\n";
  return `${formatHclDiagnostics(diagnostics, new Map([[file, parsed]]))}\n`;
}

for (const c of [...syntaxErrorCases, ...jsonSyntaxErrorCases]) {
  test(`syntax diagnostics print as packer 1.6.6 prints them: ${c.file}`, (t) => {
    t.is(kilnSyntaxOutput(c.file, c.source), c.packer);
  });
}

for (const c of formatCases) {
  test(`formatHcl gives packer fmt's output and is idempotent: ${c.file}`, (t) => {
    const out = formatHcl(c.source);
    t.is(out, c.packer);
    t.is(formatHcl(out), out);
  });
}

live("a live packer 1.6.6 agrees with the recordings (syntax errors and fmt)", async (t) => {
  t.timeout(120_000);
  const dir = tempDirSync("kiln-hcl-syntax-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const c of [...syntaxErrorCases.slice(0, 6), ...jsonSyntaxErrorCases.slice(0, 2)]) {
    writeFileSync(join(dir, c.file), c.source);
    const r = await runPacker(["validate", "-syntax-only", c.file], { cwd: dir, killAfterMs: 30_000, retryOnTimeout: true });
    t.is(r.stdout, c.packer, c.file);
    t.is(r.stdout, kilnSyntaxOutput(c.file, c.source), c.file);
    rmSync(join(dir, c.file));
  }
  for (const c of formatCases) {
    writeFileSync(join(dir, c.file), c.source);
    const fmt = await runPacker(["fmt", c.file], { cwd: dir, killAfterMs: 30_000, retryOnTimeout: true });
    t.is(fmt.status, 0, `packer fmt ${c.file}: ${fmt.stderr}`);
    t.is(readFileSync(join(dir, c.file), "utf8"), formatHcl(c.source), c.file);
    rmSync(join(dir, c.file));
  }
});
