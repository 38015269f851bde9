/**
 * templatefile(path, vars): renders a file as an HCL template with `vars` as its only variables
 * and the library's functions (templatefile itself excepted). Parsing and evaluating belong to
 * the syntax and eval rooms, so the caller passes them in as a TemplateEngine; this keeps
 * functions/ free of a dependency on the evaluator (which depends on the function contract).
 */
import type { EvalContext, HclFunction, HclRange, Value } from "../contract.js";
import { defineFunction, fail } from "./function-spec.js";
import { dynamicType, stringType } from "../value/index.js";

export interface ParsedTemplate {
  /** Root names the template refers to, with where (for "vars map does not contain key"). */
  references: { root: string; range: HclRange }[];
  /** Evaluates the template; throws HclDiagnosticsError on errors. */
  evaluate(ctx: EvalContext): Value;
}

export interface TemplateEngine {
  /** Parses `source` as a template (hclsyntax.ParseTemplate); throws HclDiagnosticsError on syntax errors. */
  parseTemplate(source: string, fileName: string): ParsedTemplate;
}

const IDENTIFIER = /^[\p{L}\p{Nl}][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}-]*$/u;

function rangeString(r: HclRange): string {
  if (r.start.line === r.end.line) return `${r.file}:${r.start.line},${r.start.column}-${r.end.column}`;
  return `${r.file}:${r.start.line},${r.start.column}-${r.end.line},${r.end.column}`;
}

/**
 * @param readFile the library's `file` function (same base directory, same errors)
 * @param functions the whole library, read when a template is rendered
 */
export function makeTemplatefileFunction(readFile: HclFunction, functions: () => Map<string, HclFunction>, engine: TemplateEngine | undefined): HclFunction {
  const params = [
    { name: "path", type: stringType },
    { name: "vars", type: dynamicType },
  ];
  return defineFunction({
    params,
    impl([path, vars]) {
      if (!engine) fail("templatefile is not available here: no template engine was given to the function library");
      const source = readFile.impl([path!]);
      const fileName = (path as { value: string }).value;
      if (vars!.kind !== "map" && vars!.kind !== "object") fail("invalid vars value: must be a map", 1);
      for (const name of vars.attrs.keys()) {
        if (!IDENTIFIER.test(name)) fail(`invalid template variable name ${JSON.stringify(name)}: must start with a letter, followed by zero or more letters, digits, and underscores`, 1);
      }
      const template = engine.parseTemplate((source as { value: string }).value, fileName);
      for (const ref of template.references) {
        if (!vars.attrs.has(ref.root)) fail(`vars map does not contain key ${JSON.stringify(ref.root)}, referenced at ${rangeString(ref.range)}`, 1);
      }
      const inner = new Map(functions());
      inner.set(
        "templatefile",
        defineFunction({ params, impl: () => fail("cannot recursively call templatefile from inside templatefile call") }),
      );
      return template.evaluate({ variables: new Map(vars.attrs), functions: inner });
    },
  });
}
