/**
 * Parse cost of a 221-line HCL2 template (template.pkr.hcl): cold (a fresh node process loading
 * the syntax module and tree-sitter's wasm, then parsing once) and warm (parses in one process
 * after the first), plus `formatHcl` on the same file; then `kiln fmt -check` against
 * `packer fmt -check` (1.6.6) on it, alternated in one run. Prints each cold run, the medians and
 * the ratio kiln/packer.
 *
 *   npm run build && node dist/bench/hcl-parse/run.js [coldRuns] [warmRuns]
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatHcl, initHclParser, parseHclFile } from "../../shared/template/hcl2/syntax/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const templatePath = join(repo, "bench/hcl-parse/template.pkr.hcl");
const syntaxModule = join(repo, "dist/shared/template/hcl2/syntax/index.js");
const coldRuns = Number(process.argv[2] ?? "9");
const warmRuns = Number(process.argv[3] ?? "200");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Cold: measured inside a fresh process, from before the import to after the first parse.
const coldScript = `
const t0 = performance.now();
const { initHclParser, parseHclFile } = await import(${JSON.stringify(syntaxModule)});
const t1 = performance.now();
await initHclParser();
const t2 = performance.now();
const { readFileSync } = await import("node:fs");
const r = parseHclFile("template.pkr.hcl", readFileSync(${JSON.stringify(templatePath)}, "utf8"));
const t3 = performance.now();
if (r.diagnostics.length > 0) throw new Error(r.diagnostics[0].summary);
console.log(JSON.stringify({ importMs: t1 - t0, initMs: t2 - t1, parseMs: t3 - t2, totalMs: t3 - t0 }));
`;
const cold: { importMs: number; initMs: number; parseMs: number; totalMs: number }[] = [];
for (let i = 0; i < coldRuns; i++) {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", coldScript], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cold run failed:\n${r.stderr}`);
  const m = JSON.parse(r.stdout) as (typeof cold)[number];
  cold.push(m);
  console.log(`cold ${i + 1}: import ${m.importMs.toFixed(1)} ms, wasm init ${m.initMs.toFixed(1)} ms, first parse ${m.parseMs.toFixed(1)} ms, total ${m.totalMs.toFixed(1)} ms`);
}

await initHclParser();
const source = readFileSync(templatePath, "utf8");
for (let i = 0; i < 20; i++) parseHclFile("template.pkr.hcl", source); // let the JIT settle
const warm: number[] = [];
for (let i = 0; i < warmRuns; i++) {
  const t0 = performance.now();
  parseHclFile("template.pkr.hcl", source);
  warm.push(performance.now() - t0);
}
const fmt: number[] = [];
for (let i = 0; i < warmRuns; i++) {
  const t0 = performance.now();
  formatHcl(source);
  fmt.push(performance.now() - t0);
}

const lines = source.split("\n").length - 1;
console.log(`\n${lines}-line template, medians:`);
console.log(`  cold total (import + wasm init + parse): ${median(cold.map((c) => c.totalMs)).toFixed(1)} ms`);
console.log(`    import ${median(cold.map((c) => c.importMs)).toFixed(1)} ms, wasm init ${median(cold.map((c) => c.initMs)).toFixed(1)} ms, first parse ${median(cold.map((c) => c.parseMs)).toFixed(1)} ms`);
console.log(`  warm parse: ${median(warm).toFixed(2)} ms (${warmRuns} runs)`);
console.log(`  formatHcl:  ${median(fmt).toFixed(2)} ms (${warmRuns} runs)`);

// Whole commands: the CLI bundle (npm run build) against packer, alternated.
const env = { ...process.env, CHECKPOINT_DISABLE: "1" };
if (spawnSync("packer", ["version"], { env }).status !== 0) {
  console.log("\npacker is not installed: the kiln fmt / packer fmt ratio is not measured");
} else {
  const timeOnce = (cmd: string, args: string[]) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, encoding: "utf8" });
    // The template is formatted already: both must say so with exit status 0.
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stdout}${r.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const kiln: number[] = [];
  const packer: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    kiln.push(timeOnce(process.execPath, [join(repo, "bin/kiln.js"), "fmt", "-check", templatePath]));
    packer.push(timeOnce("packer", ["fmt", "-check", templatePath]));
  }
  console.log(`\nfmt -check on the template (${coldRuns} runs each, alternated):`);
  console.log(`  kiln ${median(kiln).toFixed(0)} ms, packer ${median(packer).toFixed(0)} ms, ratio kiln/packer ${(median(kiln) / median(packer)).toFixed(2)}`);
}
