// Kiln's function library against what real `packer console` 1.6.6 answered for the same calls
// (recorded once by scripts/record-hcl2-function-fixtures.mjs; this test does not need packer).
import test from "ava";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HclFunctionError, type HclFunction, type Value } from "../../../../../shared/template/hcl2/contract.js";
import { NOT_IN_PACKER_1_6_6, packerFunctions } from "../../../../../shared/template/hcl2/functions/index.js";
import { formatValueForConsole } from "../../../../../shared/template/hcl2/value/index.js";
import { valueFromJson } from "./value-fixtures.js";
import { tempDirSync } from "../../../../fixtures/temp-dir.js";

interface RecordedCase {
  id: string;
  fn: string;
  /** Absent for lines recorded as HCL text (can, try, convert): console-expressions.test.ts runs those. */
  args?: unknown[];
  expression: string;
  stdout: string;
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../../..");
const fixture = JSON.parse(readFileSync(path.join(repo, "test/fixtures/hcl2-functions/packer-1.6.6-console.json"), "utf8")) as {
  template: string;
  files: Record<string, string>;
  cases: RecordedCase[];
};

/**
 * Where Kiln intentionally answers differently from Packer 1.6.6 (by expression), and why. Each entry is checked
 * to still differ, so the list cannot go stale.
 */
const INTENDED_DIFFERENCES: Record<string, string> = {
  'index(["a", "b", "c"], 1)': "index() finds a value's position, as in Packer's current docs (1.6.6's index(list, i) was cty's element lookup)",
  'index({"a" = 1}, "a")': "index() finds a value's position, as in Packer's current docs",
  'vault("secret/x", "k")': "vault needs a network service: Kiln says so instead of asking for VAULT_TOKEN",
  'consul_key("a/b")': "consul_key needs a network service: Kiln says so instead of dialling 127.0.0.1:8500",
  'yamldecode("a: b: c")': "the yaml package words YAML syntax errors its own way",
};

/** Summary and detail of the first diagnostic in console output, with the 80-column wrapping undone. */
function parseError(stdout: string): { summary: string; detail: string } | undefined {
  const m = /^Error: (.*)\n\n {2}on <console-input> line 1:\n {2}\(source code not available\)\n\n([\s\S]*)$/.exec(stdout);
  if (!m) return undefined;
  const detail = m[2]!.split(/\n\n(?:Error: |\n)/)[0]!;
  return { summary: m[1]!, detail: detail.replace(/\s+/g, " ").trim() };
}

type Outcome = { ok: true; value: Value } | { ok: false; error: HclFunctionError };

function call(fn: HclFunction, args: Value[]): Outcome {
  try {
    return { ok: true, value: fn.impl(args) };
  } catch (e) {
    if (e instanceof HclFunctionError) return { ok: false, error: e };
    throw e;
  }
}

/** The diagnostic hcl's FunctionCallExpr would print for our error (argument errors name the parameter). */
function diagnosticFor(name: string, fn: HclFunction, error: HclFunctionError, root: string): { summary: string; detail: string } {
  const message = error.message.split(root + path.sep).join("").replace(/\s+/g, " ").trim();
  if (/^Function expects/.test(message)) {
    return { summary: /only/.test(message) ? "Too many function arguments" : "Not enough function arguments", detail: message.replace("Function ", `Function "${name}" `) };
  }
  if (error.argIndex !== undefined) {
    const param = error.argIndex < fn.params.length ? fn.params[error.argIndex]!.name : fn.variadic!.name;
    return { summary: "Invalid function argument", detail: `Invalid value for "${param}" parameter: ${message}.` };
  }
  return { summary: "Error in function call", detail: `Call to function "${name}" failed: ${message}.` };
}

test("the recorded packer console 1.6.6 answers agree with Kiln's functions, except the listed intended differences", (t) => {
  const root = tempDirSync("kiln-hcl2-functions-test-");
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(path.join(root, "tpl.pkr.hcl"), fixture.template);
  for (const [name, content] of Object.entries(fixture.files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), content);
  }
  const functions = packerFunctions({ baseDir: root });
  const mismatches: string[] = [];
  let agreed = 0;
  let absentIn166 = 0;
  for (const c of fixture.cases) {
    if (!c.args) continue;
    const fn = functions.get(c.fn);
    if (!fn) {
      mismatches.push(`${c.id}: Kiln has no function ${c.fn}`);
      continue;
    }
    const recordedError = parseError(c.stdout);
    if (recordedError?.summary === "Call to unknown function") {
      // Later Packer functions: Kiln has them on purpose; the recording documents that 1.6.6 does not.
      if (!NOT_IN_PACKER_1_6_6.has(c.fn)) mismatches.push(`${c.id}: ${c.fn} is not in 1.6.6 but not listed in NOT_IN_PACKER_1_6_6`);
      absentIn166++;
      continue;
    }
    const got = call(fn, c.args.map(valueFromJson));
    let same: boolean;
    let ours: string;
    let theirs: string;
    if (recordedError) {
      theirs = `${recordedError.summary}: ${recordedError.detail}`;
      if (got.ok) {
        ours = `value ${formatValueForConsole(got.value)}`;
        same = false;
      } else {
        const d = diagnosticFor(c.fn, fn, got.error, root);
        ours = `${d.summary}: ${d.detail}`;
        same = ours === theirs;
      }
    } else {
      theirs = c.stdout.replace(/\n$/, "");
      ours = got.ok ? formatValueForConsole(got.value) : `error ${got.error.message}`;
      same = ours === theirs;
    }
    const intended = INTENDED_DIFFERENCES[c.expression];
    if (intended) {
      if (same) mismatches.push(`${c.id}: listed as an intended difference but agrees now; remove it from INTENDED_DIFFERENCES`);
      continue;
    }
    if (same) agreed++;
    else mismatches.push(`${c.id} ${c.expression}\n    packer: ${JSON.stringify(theirs)}\n    kiln:   ${JSON.stringify(ours)}`);
  }
  t.log(`${agreed} cases agree, ${absentIn166} call functions 1.6.6 lacks, ${Object.keys(INTENDED_DIFFERENCES).length} intended differences`);
  t.deepEqual(mismatches, []);
  t.true(agreed > 200);
});
