// Every JSON-template case of interpolation.json (what packer 1.6.6 printed), evaluated with
// the context the case's "context" describes. Cases that need -var/-var-file handling belong
// to the template machinery and are skipped here with their reason.
import test from "ava";
import {
  InterpolationError,
  VARIABLE_NOT_SET_HINT,
  cleanResourceName,
  isVariableNotSet,
  render,
  type InterpolationContext,
} from "../../../../shared/template/interpolate/index.js";
import { casesTest, interpolationCases, templateMessage, type InterpolationCase } from "./interpolation-corpus.js";

const CWD = "/tmp/kiln-interpolation-case";
const TEMPLATE_PATH = `${CWD}/tpl/template.json`;
const BASE_ENV = { PATH: "/usr/bin:/bin", HOME: "/home/corpus", CHECKPOINT_DISABLE: "1", LANG: "C.UTF-8" };
// Packer's first-pass value for generated build data (`{{build "X"}}` in provisioners).
const PLACEHOLDER = "To set this dynamically in the Packer template, you must use the `build` function";
const GENERATED_KEYS = ["ID", "Host", "Port", "User", "Password", "ConnType", "PackerRunUUID", "PackerHTTPIP", "PackerHTTPPort", "PackerHTTPAddr", "SSHPublicKey", "SSHPrivateKey", "WinRMPassword"];
const INIT_TIME = new Date();

const SKIPPED: Record<string, string> = {
  "user-var-flag-overrides-default": "needs -var resolution (template machinery)",
  "user-var-flag-is-interpolated": "needs -var resolution (template machinery)",
  "user-var-flag-undeclared-reference": "needs -var resolution (template machinery)",
  "user-var-flag-env": "needs -var resolution (template machinery)",
  "user-var-file": "needs -var-file resolution (template machinery)",
  "user-var-file-order": "needs -var-file resolution (template machinery)",
  "user-var-vs-var-file-documented-example": "needs -var/-var-file resolution (template machinery)",
  "user-undeclared-var-flag": "needs -var resolution (template machinery)",
  "vault-in-variable-unreachable": "Kiln has no Vault client: vault in a variable default is a clear 'not available' error instead",
};

class CaseFailure extends Error {}

function baseContext(c: InterpolationCase): InterpolationContext {
  return {
    userVariables: {},
    enableEnv: false,
    env: { ...BASE_ENV, ...c.env },
    templatePath: TEMPLATE_PATH,
    cwd: CWD,
    initTime: INIT_TIME,
  };
}

/**
 * Resolves variable defaults the way Packer 1.6.6 does (the template machinery's job; repeated
 * here only to feed the cases): passes over the unresolved defaults until nothing changes.
 */
function resolveVariables(c: InterpolationCase, variables: Record<string, string | null>): Record<string, string> {
  const resolved: Record<string, string> = {};
  const pending = new Map(Object.entries(variables).filter((e): e is [string, string] => e[1] !== null));
  while (pending.size > 0) {
    let changed = false;
    let lastFailure = "";
    for (const [name, value] of pending) {
      try {
        resolved[name] = render(value, { ...baseContext(c), userVariables: { ...resolved }, enableEnv: true });
        pending.delete(name);
        changed = true;
      } catch (e) {
        if (!isVariableNotSet(e)) throw e;
        lastFailure = `"${name}": "${value}"; error: ${(e as Error).message}`;
      }
    }
    if (!changed) throw new CaseFailure(`Failed to interpolate ${lastFailure}: ${VARIABLE_NOT_SET_HINT}`);
  }
  return resolved;
}

function evaluate(c: InterpolationCase): string {
  const variables = c.variables ?? {};
  const buildName = c.build_name ?? "interp";
  const declared = new Set(Object.keys(variables));
  switch (c.context) {
    case "variable-default": {
      const resolved = resolveVariables(c, { ...variables, probe: c.expression });
      return resolved.probe;
    }
    case "console":
      // packer console: no build, no env, no version.
      return render(c.expression, { ...baseContext(c), userVariables: resolveVariables(c, variables), declaredVariables: declared });
    case "builder-field":
    case "amazon-ebs-ami_name": {
      const amazon = c.context === "amazon-ebs-ami_name";
      return render(c.expression, {
        ...baseContext(c),
        buildName,
        buildType: c.template.builders[0].type,
        userVariables: resolveVariables(c, variables),
        declaredVariables: declared,
        packerVersion: "1.6.6",
        funcs: amazon ? { clean_resource_name: (s: unknown) => cleanResourceName(String(s)) } : undefined,
      });
    }
    case "provisioner-field":
    case "post-processor-field": {
      // The value is one entry "PROBE=<expr>" of environment_vars, prepared with placeholder
      // build data, then rendered again at run time with the null builder's real data.
      const ctx: InterpolationContext = {
        ...baseContext(c),
        buildName,
        buildType: "null",
        userVariables: resolveVariables(c, variables),
        declaredVariables: declared,
        packerVersion: "1.6.6",
        generated: Object.fromEntries(GENERATED_KEYS.map((k) => [k, `Build_${k}. ${PLACEHOLDER}`])),
      };
      const prepared = render(`PROBE=${c.expression}`, ctx);
      const runData = { ID: "Null", PackerRunUUID: "70a277dc-fac8-f893-ef76-c055d36d2ef3", PackerHTTPAddr: "ERR_HTTP_ADDR_NOT_IMPLEMENTED_BY_BUILDER" };
      const atRunTime = render(prepared, { ...ctx, data: runData });
      return atRunTime.slice("PROBE=".length);
    }
  }
}

function withCwd(s: string): string {
  return s.replaceAll("<CWD>", CWD);
}

for (const c of interpolationCases()) {
  const reason = SKIPPED[c.id];
  if (reason) {
    test.skip(`${c.id} [${c.context}] skipped: ${reason}`, () => {});
    continue;
  }
  test(`${c.id} [${c.context}]: ${JSON.stringify(c.expression)}`, (t) => {
    const { output, output_regex: outputRegex, error } = c.expected;
    let actual: string;
    try {
      actual = evaluate(c);
    } catch (e) {
      if (!(e instanceof InterpolationError || e instanceof CaseFailure)) throw e;
      if (error === undefined) return t.fail(`unexpected error: ${e.message}`);
      t.is(templateMessage(e.message), templateMessage(error));
      return;
    }
    if (error !== undefined) return t.fail(`expected error ${JSON.stringify(error)}, got output ${JSON.stringify(actual)}`);
    if (outputRegex !== undefined) t.regex(actual, new RegExp(outputRegex));
    else t.is(actual, withCwd(output ?? ""));
  });
}

test("vault in a variable default says Kiln cannot read Vault (instead of Packer's connection error)", (t) => {
  const error = t.throws(
    () =>
      render("{{vault `/secret/data/x` `k`}}", { userVariables: {}, enableEnv: true, initTime: INIT_TIME }),
    { instanceOf: InterpolationError },
  );
  t.is(
    error.message,
    'template: root:1:2: executing "root" at <vault `/secret/data/x` `k`>: error calling vault: vault is not available in Kiln: resolve the secret outside the template and pass it with -var or -var-file',
  );
});

casesTest("every corpus case is either run or skipped with a reason", (t) => {
  const cases = interpolationCases();
  t.is(cases.length, 100);
  const unknownSkips = Object.keys(SKIPPED).filter((id) => !cases.some((c) => c.id === id));
  t.deepEqual(unknownSkips, []);
});
