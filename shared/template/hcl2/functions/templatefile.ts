/**
 * templatefile(path, vars): renders a file as an HCL template (hclsyntax.ParseTemplate through
 * the syntax room, evaluated by the eval room) with `vars` as its only variables and the
 * library's functions, templatefile itself excepted. The HCL parser must be loaded
 * (`initHclParser()`), as for any HCL2 template.
 */
import type { HclDiagnostic, HclFunction, Value } from "../contract.js";
import { evaluate, variablesReferenced } from "../eval/index.js";
import { parseHclTemplate, rangeString } from "../syntax/index.js";
import { dynamicType, stringType } from "../value/index.js";
import { defineFunction, fail } from "./function-spec.js";

/** hcl.Diagnostics.Error(): the first error as `range: summary; detail`, and how many more. */
export function diagnosticsText(diagnostics: HclDiagnostic[]): string {
  const one = (d: HclDiagnostic): string => `${d.subject ? rangeString(d.subject) : "<nil>"}: ${d.summary}; ${d.detail ?? ""}`;
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length === 1) return one(errors[0]!);
  return `${one(errors[0]!)}, and ${errors.length - 1} other diagnostic(s)`;
}

/** hclsyntax.ValidIdentifier: a letter, then letters, digits, underscores and dashes. */
const IDENTIFIER = /^[\p{L}\p{Nl}][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}-]*$/u;

/**
 * @param readFile the library's `file` function (same base directory, same errors)
 * @param functions the whole library, read when a template is rendered
 */
export function makeTemplatefileFunction(readFile: HclFunction, functions: () => Map<string, HclFunction>): HclFunction {
  const params = [
    { name: "path", type: stringType },
    { name: "vars", type: dynamicType },
  ];
  return defineFunction({
    params,
    impl([path, vars]) {
      const source = readFile.impl([path!]) as Extract<Value, { kind: "string" }>;
      const fileName = (path as { value: string }).value;
      if (vars!.kind !== "map" && vars!.kind !== "object") fail("invalid vars value: must be a map", 1);
      for (const name of vars.attrs.keys()) {
        if (!IDENTIFIER.test(name)) fail(`invalid template variable name ${JSON.stringify(name)}: must start with a letter, followed by zero or more letters, digits, and underscores`, 1);
      }
      const parsed = parseHclTemplate(fileName, source.value);
      if (!parsed.expr || parsed.diagnostics.some((d) => d.severity === "error")) fail(diagnosticsText(parsed.diagnostics));
      for (const ref of variablesReferenced(parsed.expr)) {
        if (!vars.attrs.has(ref.root)) fail(`vars map does not contain key ${JSON.stringify(ref.root)}, referenced at ${rangeString(ref.range)}`, 1);
      }
      const inner = new Map(functions());
      inner.set("templatefile", defineFunction({ params, impl: () => fail("cannot recursively call templatefile from inside templatefile call") }));
      const result = evaluate(parsed.expr, { variables: new Map(vars.attrs), functions: inner });
      if (result.diagnostics.some((d) => d.severity === "error")) fail(diagnosticsText(result.diagnostics));
      return result.value;
    },
  });
}
