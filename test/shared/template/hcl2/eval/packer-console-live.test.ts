/**
 * Differential test against the real thing: each expression goes through a live
 * `packer console` 1.6.6 and through Kiln's parser + evaluator + console formatter, and the
 * printed values or the error summaries and details must be the same. Only expressions that
 * need no function library (can/try/convert come as tiny test versions: how they get their
 * arguments is the evaluator's part) and no Packer variables: this checks the value and eval rooms.
 * Skipped (saying so) where packer is not installed.
 */
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate } from "../../../../../shared/template/hcl2/eval/index.js";
import { initHclParser, parseHclExpression } from "../../../../../shared/template/hcl2/syntax/index.js";
import { formatValueForConsole } from "../../../../../shared/template/hcl2/value/index.js";
import { havePacker166, runPacker, type PackerRun } from "../../../../fixtures/packer-cli.js";
import { testFunctions } from "./test-functions.js";
import { tempDirSync } from "../../../../fixtures/temp-dir.js";

const EXPRESSIONS = [
  // numbers and their printing
  // Exponents are written with a fraction (1.0e20): the syntax room's parser does not read `1e20` yet.
  "1.5", "1.0e20", "0.1+0.2", "1/3", "10/2", "2.0e-7", "123456789012345678901", "1000000", "1234567.5", "0.00001", "-5 % 3", "5.5 % 2", "1.0e400", "-(3)",
  // null, bools, strings
  "null", "true", "!true", '"a\\nb"', '"tab\\there"', '"x${1/4}"', '"${true}"', '"${null}"', '"x${1.0e20}"', '"x${2.0e-7}"',
  // collections and printing
  "[]", "{}", "[null]", '[1,[2,"a"],{a=1}]', "{b={c=[1]},a=null}", '{"b"=1,"a"=2}', '[{a=null}]', '["a\\"b\\tc"]', "{a=[]}",
  // equality and comparison
  '1 == "1"', '[1,"a"] == [1,"a"]', "[null] == [null]", "null == null", "{a=null} == {a=null}", "[] == []", '"a" != "b"', "2 >= 2",
  // conditionals
  'true ? 1 : "a"', "false ? null : 5", "true ? [1] : [2, 3]", 'true ? [] : ["a"]', "true ? {a=1} : {b=2}", 'false ? {a=1} : {a="x"}',
  'true ? {a=[1]} : {a="x"}', '[for x in {b=2, a=1}: x]', '{for k, v in ["x", "y"]: v => k}', '[for k, v in {a=1}: k]', '{a=1}.a + {b=2}["b"]',
  '[1, 2, 3][1]', '{"a b" = 1}["a b"]', '[[1, 2], [3]][1][0]', '"${[for x in [1,2]: x][1]}"', '"1" + 2', '"1" == 1', "1 < 2 == true",
  '[1, "a"] == [1, "a", 3]', '{a=1} == {a=1}', '"${"nested ${1 + 1}"}"',
  // for and splats
  "[for x in [1,2,3]: x*2 if x != 2]", '{for k, v in {b=1, a=2}: v => k}', '{for s in ["a","b","a"]: s => s...}', "[for i, x in [\"a\",\"b\"]: i]",
  '[{a=1},{a=2}][*].a', '[{a=1},{a=2}].*.a', '"a"[*]', "null[*]", "[[1,2],[3]][*][0]",
  // templates
  '"%{for x in [1,2]}<${x}>%{endfor}"', '"%{if 1 == 1}yes%{else}no%{endif}"', '"a ${~ "b" ~} c"',
  // errors
  "nope", '{a=1}.b', '"abc".x', '"abc"[0]', "null.x", "[1,2][2]", "[1,2][1.5]", '[1,2]["x"]', '{a=1}["b"]', "null[0]",
  '"a" + 1', "1 + null", "null || true", "0/0", "!1",
  "true ? 1 : [1]", "null ? 1 : 2", '"x" ? 1 : 2',
  '{for s in ["a","a"]: s => 1}', "[for s in null: s]", "[for s in 1: s]", '[for s in [1]: s if "x"]', '{for s in [1]: [] => s}',
  '"x${null}"', '"x${[1]}"', '"%{if "x"}a%{endif}"',
  "nada()", '{(null) = 1}', '{([]) = 1}',
  // functions taking expressions (the evaluator's part; the tiny test versions stand in for the library)
  "can(nope)", "can(1)", 'try(nope, "x")', "can()", "convert([1], list(string))", 'convert("a", number)', "convert(1, strin)", "convert({a=1}, map(any))",
];

const havePacker = await havePacker166();
if (!havePacker) console.log("packer-console-live: packer 1.6.6 is not installed here, the live comparison is skipped");

/** Packer's printed diagnostics → summary and unwrapped detail of each. */
function packerErrors(stdout: string): { summary: string; detail: string }[] {
  const out: { summary: string; detail: string }[] = [];
  const lines = stdout.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith("Error: ")) continue;
    const summary = lines[i].slice("Error: ".length);
    let j = i + 1;
    while (j < lines.length && lines[j] !== "  (source code not available)") j++;
    j += 2;
    // With the expression's symbols at hand, hcl first prints them ("with s as "a"."): not the detail.
    if (lines[j]?.startsWith("with ")) {
      while (j < lines.length && lines[j] !== "") j++;
      j++;
    }
    const detail: string[] = [];
    for (; j < lines.length && lines[j] !== ""; j++) detail.push(lines[j]);
    out.push({ summary, detail: detail.join(" ") });
  }
  return out;
}

(havePacker ? test : test.skip)("the evaluator agrees with a live packer console 1.6.6", async (t) => {
  t.timeout(120_000);
  await initHclParser();
  const dir = tempDirSync("kiln-hcl-console-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "x.pkr.hcl"), 'source "null" "a" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.a"]\n}\n');
  const functions = new Map([...testFunctions].filter(([name]) => ["can", "try", "convert"].includes(name)));
  const ctx = { variables: new Map(), functions };
  const mismatches: { expr: string; packer: unknown; kiln: unknown }[] = [];
  // Two packer processes at a time (this machine has two cores); each with its own deadline.
  const live = new Map<string, PackerRun>();
  const queue = [...EXPRESSIONS];
  const runNext = async (): Promise<void> => {
    for (let expr = queue.shift(); expr !== undefined; expr = queue.shift()) {
      live.set(expr, await runPacker(["console", "x.pkr.hcl"], { cwd: dir, input: `${expr}\n`, killAfterMs: 20_000, retryOnTimeout: true }));
    }
  };
  await Promise.all([runNext(), runNext()]);
  for (const expr of EXPRESSIONS) {
    const run = live.get(expr);
    if (run === undefined || run.timedOut) {
      t.fail(`packer console did not answer ${expr} within 20 s, twice: ${run?.stderr ?? "not run"}`);
      continue;
    }
    const parsed = parseHclExpression("<console-input>", expr);
    if (!parsed.expr || parsed.diagnostics.length > 0) {
      mismatches.push({ expr, packer: run.stdout, kiln: { parse: parsed.diagnostics.map((d) => d.detail) } });
      continue;
    }
    const r = evaluate(parsed.expr, ctx);
    // Packer's detail text wraps at 78 columns; compare with the wrapping undone.
    const ours = r.diagnostics.map((d) => ({ summary: d.summary, detail: (d.detail ?? "").replace(/\s+/g, " ") }));
    // Packer's exit status for a console error depends on how stdin closes; the text does not.
    if (!run.stdout.startsWith("Error: ")) {
      const printed = `${formatValueForConsole(r.value)}\n`;
      if (ours.length > 0 || printed !== run.stdout) mismatches.push({ expr, packer: run.stdout, kiln: ours.length > 0 ? ours : printed });
    } else {
      const theirs = packerErrors(run.stdout);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push({ expr, packer: theirs, kiln: ours });
    }
  }
  t.deepEqual(mismatches, []);
  t.log(`${EXPRESSIONS.length} expressions compared`);
});
