// templatefile renders a real file through the HCL template parser and evaluator, with only the
// given variables in scope and the library's functions (not templatefile itself).
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { HclFunctionError, type Value } from "../../../../../shared/template/hcl2/contract.js";
import { packerFunctions } from "../../../../../shared/template/hcl2/functions/index.js";
import { initHclParser } from "../../../../../shared/template/hcl2/syntax/index.js";
import { formatValueForConsole } from "../../../../../shared/template/hcl2/value/index.js";
import { valueFromJson } from "./value-fixtures.js";
import { tempDirSync } from "../../../../fixtures/temp-dir.js";

const root = tempDirSync("kiln-templatefile-");
test.before(async () => {
  await initHclParser();
  writeFileSync(path.join(root, "hosts.tftpl"), "Hello, ${name}!\n%{ for ip in addrs ~}\nserver ${ip}\n%{ endfor ~}\n${upper(name)} ${length(addrs)}");
  writeFileSync(path.join(root, "value.tftpl"), "${port}");
  writeFileSync(path.join(root, "recursive.tftpl"), '${templatefile("value.tftpl", {port = 1})}');
  writeFileSync(path.join(root, "broken.tftpl"), "${name");
});
test.after.always(() => rmSync(root, { recursive: true, force: true }));

const templatefile = (file: string, vars: unknown): Value =>
  packerFunctions({ baseDir: root }).get("templatefile")!.impl([{ kind: "string", value: file }, valueFromJson(vars)]);

test("templatefile renders interpolations, directives with strip markers and function calls", (t) => {
  const out = templatefile("hosts.tftpl", { name: "kiln", addrs: ["10.0.0.1", "10.0.0.2"] });
  t.is(formatValueForConsole(out), "Hello, kiln!\nserver 10.0.0.1\nserver 10.0.0.2\nKILN 2");
});

test("a template that is a single interpolation keeps the value's type", (t) => {
  t.deepEqual(templatefile("value.tftpl", { port: 22 }), { kind: "number", value: 22 });
});

test("templatefile names what is wrong: missing variables, bad vars, recursion, syntax errors", (t) => {
  const missing = t.throws(() => templatefile("hosts.tftpl", { name: "x" }), { instanceOf: HclFunctionError })!;
  t.is(missing.message, 'vars map does not contain key "addrs", referenced at hosts.tftpl:2,14-19');
  t.is(missing.argIndex, 1);
  const notMap = t.throws(() => templatefile("value.tftpl", ["x"]), { instanceOf: HclFunctionError })!;
  t.is(notMap.message, "invalid vars value: must be a map");
  const badName = t.throws(() => templatefile("value.tftpl", { "1x": 1 }), { instanceOf: HclFunctionError })!;
  t.regex(badName.message, /^invalid template variable name "1x": must start with a letter/);
  const recursive = t.throws(() => templatefile("recursive.tftpl", {}), { instanceOf: HclFunctionError })!;
  t.regex(recursive.message, /cannot recursively call templatefile from inside templatefile call/);
  const broken = t.throws(() => templatefile("broken.tftpl", { name: "x" }), { instanceOf: HclFunctionError })!;
  t.regex(broken.message, /^broken\.tftpl:1,\d+-\d+: /);
  const absent = t.throws(() => templatefile("absent.tftpl", {}), { instanceOf: HclFunctionError })!;
  t.is(absent.message, `no file exists at ${path.join(root, "absent.tftpl")}`);
});
