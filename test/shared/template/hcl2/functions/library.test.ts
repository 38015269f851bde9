// The library as a whole: which functions exist where (env only in variable defaults), Packer
// 1.6.6's function list, the network-secret functions failing clearly, cty's calling rules, and
// the can/try seam the evaluator uses.
import test from "ava";
import { HclDiagnosticsError, HclFunctionError, type Value } from "../../../../../shared/template/hcl2/contract.js";
import { evaluateCan, evaluateTry, packerFunctions, variableDefaultFunctions, EXPRESSION_FUNCTIONS } from "../../../../../shared/template/hcl2/functions/index.js";

const s = (value: string): Value => ({ kind: "string", value });

// Every function of Packer 1.6.6's hcl2template/functions.go (tag v1.6.6).
const PACKER_1_6_6 = `abs abspath aws_secretsmanager basename base64decode base64encode bcrypt can ceil chomp chunklist cidrhost
  cidrnetmask cidrsubnet cidrsubnets coalesce coalescelist compact concat consul_key contains convert csvdecode dirname distinct
  element file fileexists fileset flatten floor format formatdate formatlist indent index join jsondecode jsonencode keys length
  log lookup lower max md5 merge min parseint pathexpand pow range reverse replace regex_replace rsadecrypt setintersection
  setproduct setunion sha1 sha256 sha512 signum slice sort split strrev substr timestamp timeadd title trim trimprefix trimspace
  trimsuffix try upper urlencode uuidv4 uuidv5 values vault yamldecode yamlencode zipmap`.split(/\s+/);

// Later functions from Packer's current docs.
const LATER = `alltrue anytrue aws_secretsmanager_raw base64gzip endswith filebase64 legacy_isotime legacy_strftime regex regexall
  rfc3339_parse startswith strcontains sum templatefile textdecodebase64 textencodebase64 unix_timestamp_parse`.split(/\s+/);

test("the library has every function of Packer 1.6.6 and the later ones of Packer's docs, but not env", (t) => {
  const functions = packerFunctions({ baseDir: "." });
  t.deepEqual(PACKER_1_6_6.filter((f) => !functions.has(f)), []);
  t.deepEqual(LATER.filter((f) => !functions.has(f)), []);
  t.false(functions.has("env"), 'Packer 1.6.6: There is no function named "env" outside variable defaults');
});

test("env exists only in variable defaults, and reads the given environment", (t) => {
  const functions = variableDefaultFunctions({ baseDir: ".", env: { KILN_TEST_VAR: "from-env" } });
  const env = functions.get("env")!;
  t.deepEqual(env.impl([s("KILN_TEST_VAR")]), s("from-env"));
  t.deepEqual(env.impl([s("KILN_UNSET_VAR")]), s(""), "an unset variable is the empty string");
  t.true(functions.has("upper"), "variable defaults may call every other function too");
});

test("vault, consul_key and aws_secretsmanager say they need a network service Kiln does not use", (t) => {
  const functions = packerFunctions({ baseDir: "." });
  for (const [name, args] of [
    ["vault", [s("secret/data/x"), s("key")]],
    ["consul_key", [s("a/b")]],
    ["aws_secretsmanager", [s("name"), s("key")]],
    ["aws_secretsmanager_raw", [s("name")]],
  ] as const) {
    const e = t.throws(() => functions.get(name)!.impl([...args]), { instanceOf: HclFunctionError });
    t.regex(e!.message, new RegExp(`^${name} is not available in Kiln: it needs a network service \\(.+\\); resolve the secret outside the template and pass it with -var or -var-file$`));
  }
});

test("arguments follow cty's calling rules: arity, null, conversion, unknown", (t) => {
  const functions = packerFunctions({ baseDir: "." });
  const lookup = functions.get("lookup")!;
  t.is(t.throws(() => lookup.impl([s("x")]), { instanceOf: HclFunctionError })!.message, 'Function expects 3 argument(s). Missing value for "key".');
  t.is(t.throws(() => functions.get("upper")!.impl([s("a"), s("b")]), { instanceOf: HclFunctionError })!.message, "Function expects only 1 argument(s).");
  const nullArg = t.throws(() => functions.get("upper")!.impl([{ kind: "null", type: { kind: "string" } }]), { instanceOf: HclFunctionError })!;
  t.is(nullArg.message, "argument must not be null");
  t.is(nullArg.argIndex, 0);
  t.deepEqual(functions.get("upper")!.impl([{ kind: "number", value: 5 }]), s("5"), "a number converts to the string parameter");
  t.deepEqual(functions.get("timeadd")!.impl([{ kind: "unknown", type: { kind: "string" } }, s("1h")]), { kind: "unknown", type: { kind: "string" } });
  t.deepEqual(functions.get("coalesce")!.impl([{ kind: "null", type: { kind: "string" } }, { kind: "unknown", type: { kind: "string" } }]), { kind: "unknown", type: { kind: "string" } }, "coalesce stops at an unknown");
  t.deepEqual(functions.get("format")!.returnType([s("%s")]), { kind: "string" }, "result types are known for unknown results");
});

test("can and try evaluate their arguments lazily; the evaluator marks them by name", (t) => {
  t.true(EXPRESSION_FUNCTIONS.has("can") && EXPRESSION_FUNCTIONS.has("try") && EXPRESSION_FUNCTIONS.has("convert"));
  const range = (col: number) => ({ file: "main.pkr.hcl", start: { line: 3, column: col, byte: 0 }, end: { line: 3, column: col + 5, byte: 5 } });
  const failing = (summary: string, col: number) => ({
    evaluate(): Value {
      throw new HclDiagnosticsError([{ severity: "error", summary, detail: `${summary} detail.`, subject: range(col) }]);
    },
    dependsOnUnknowns: () => false,
  });
  let evaluated = 0;
  const ok = (v: Value) => ({
    evaluate(): Value {
      evaluated++;
      return v;
    },
    dependsOnUnknowns: () => false,
  });
  t.deepEqual(evaluateTry([failing("Unsupported attribute", 1), ok(s("fallback")), ok(s("never"))]), s("fallback"));
  t.is(evaluated, 1, "try stops at the first argument that succeeds");
  const e = t.throws(() => evaluateTry([failing("Unsupported attribute", 1), failing("Invalid index", 9)]), { instanceOf: HclFunctionError })!;
  t.is(
    e.message,
    "no expression succeeded:\n- Unsupported attribute (at main.pkr.hcl:3,1-6)\n  Unsupported attribute detail.\n- Invalid index (at main.pkr.hcl:3,9-14)\n  Invalid index detail.\n\nAt least one expression must produce a successful result",
  );
  t.deepEqual(evaluateCan(failing("Unsupported attribute", 1)), { kind: "bool", value: false });
  t.deepEqual(evaluateCan(ok(s("x"))), { kind: "bool", value: true });
  t.deepEqual(evaluateCan({ evaluate: () => s("x"), dependsOnUnknowns: () => true }), { kind: "unknown", type: { kind: "bool" } });
  t.throws(() => evaluateCan({ evaluate: () => { throw new TypeError("a bug"); }, dependsOnUnknowns: () => false }), { instanceOf: TypeError }, "only diagnostics count as failure; bugs propagate");
});
