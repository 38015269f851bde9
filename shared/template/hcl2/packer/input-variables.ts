/**
 * Input variables (hcl2template/types.variables.go): `variable "n" {…}` and `variables {…}`
 * declarations, then the values from PKR_VAR_*, var files (auto ones first, then -var-file in
 * order) and -var, the last one winning; `validation` rules run on the value that wins.
 */
import type { EvalContext, Expression, HclBody, HclDiagnostic, HclFile, HclRange, HclType, Value } from "../contract.js";
import { evaluate, variablesReferenced } from "../eval/index.js";
import { parseHclExpression, rangeString } from "../syntax/index.js";
import {
  boolType,
  convert,
  ConversionError,
  dynamicType,
  isKnown,
  isNull,
  objectVal,
  parseTypeConstraint,
  stringVal,
  typeOf,
  unknownVal,
} from "../value/index.js";

export type ValueSource = "default" | "env" | "varfile" | "cmd";

export interface VariableAssignment {
  from: ValueSource;
  value: Value;
  expr?: Expression;
}

export interface VariableValidation {
  condition: Expression;
  errorMessage: string;
  declRange: HclRange;
}

export interface InputVariable {
  name: string;
  /** Undefined: no type and no default (anything goes). */
  type?: HclType;
  description: string;
  sensitive: boolean;
  values: VariableAssignment[];
  validations: VariableValidation[];
  range: HclRange;
}

const VARIABLE_SCHEMA = {
  attributes: [{ name: "description" }, { name: "default" }, { name: "type" }, { name: "sensitive" }],
  blocks: [{ type: "validation", labelNames: [] }],
};

const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_-]*$/u;
const errors = (d: HclDiagnostic[]): boolean => d.some((x) => x.severity === "error");

/** Every `variable` and `variables` block of one file, added to `into`. `ctx` evaluates defaults (it has `env`). */
export function decodeInputVariables(file: HclFile, ctx: EvalContext, into: Map<string, InputVariable>): HclDiagnostic[] {
  const diags: HclDiagnostic[] = [];
  const { content } = file.body.partialContent({
    attributes: [],
    blocks: [
      { type: "variable", labelNames: ["name"] },
      { type: "variables", labelNames: [] },
    ],
  });
  for (const block of content.blocks) {
    if (block.type === "variables") {
      const { attributes, diagnostics } = block.body.justAttributes();
      diags.push(...diagnostics);
      for (const attr of attributes.values()) {
        if (into.has(attr.name)) {
          diags.push({ severity: "error", summary: "Duplicate variable", detail: `Duplicate ${attr.name} variable definition found.`, subject: attr.nameRange });
          continue;
        }
        const { value, diagnostics: d } = evaluate(attr.expr, ctx);
        diags.push(...d);
        if (errors(d)) continue;
        into.set(attr.name, {
          name: attr.name,
          type: typeOf(value),
          description: "",
          sensitive: false,
          values: [{ from: "default", value, expr: attr.expr }],
          validations: [],
          range: attr.range,
        });
      }
      continue;
    }
    const name = block.labels[0];
    if (into.has(name)) {
      diags.push({ severity: "error", summary: "Duplicate variable", detail: `Duplicate ${name} variable definition found.`, context: block.defRange });
      continue;
    }
    const { content: c, diagnostics } = block.body.content(VARIABLE_SCHEMA);
    diags.push(...diagnostics);
    if (!IDENTIFIER.test(name)) {
      diags.push({
        severity: "error",
        summary: "Invalid variable name",
        detail: "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.",
        subject: block.labelRanges[0],
      });
    }
    const v: InputVariable = { name, description: "", sensitive: false, values: [], validations: [], range: block.defRange };
    const description = c.attributes.get("description");
    if (description) v.description = literalOf(description.expr, { kind: "string" }, diags, "") as string;
    const type = c.attributes.get("type");
    if (type) {
      // typeexpr.Type: an exact type (no `any`); in a .pkr.json file the type is a string of native syntax.
      const { type: t, diagnostics: td } = parseTypeConstraint(type.expr, { exact: true, jsonSyntax: type.expr.range.file.endsWith(".json") });
      diags.push(...td);
      if (errors(td)) continue;
      v.type = t;
    }
    const sensitive = c.attributes.get("sensitive");
    if (sensitive) v.sensitive = literalOf(sensitive.expr, boolType, diags, false) as boolean;
    const def = c.attributes.get("default");
    if (def) {
      const { value, diagnostics: d } = evaluate(def.expr, ctx);
      diags.push(...d);
      if (errors(d)) continue;
      let converted = value;
      if (v.type) {
        try {
          converted = convert(value, v.type);
        } catch (e) {
          if (!(e instanceof ConversionError)) throw e;
          diags.push({
            severity: "error",
            summary: "Invalid default value for variable",
            detail: `This default value is not compatible with the variable's type constraint: ${e.message}.`,
            subject: def.expr.range,
          });
          converted = unknownVal(dynamicType);
        }
      }
      v.values.push({ from: "default", value: converted, expr: def.expr });
      if (!v.type) v.type = typeOf(value);
    }
    for (const vb of c.blocks) {
      const rule = decodeValidation(name, vb.body, vb.defRange, diags);
      if (rule) v.validations.push(rule);
    }
    into.set(name, v);
  }
  return diags;
}

function literalOf(expr: Expression, type: HclType, diags: HclDiagnostic[], fallback: string | boolean): string | boolean {
  const { value, diagnostics } = evaluate(expr, undefined);
  diags.push(...diagnostics);
  if (errors(diagnostics)) return fallback;
  try {
    const v = convert(value, type);
    if (v.kind === "string" || v.kind === "bool") return v.value;
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    diags.push({ severity: "error", summary: "Incorrect attribute value type", detail: `Inappropriate value for attribute: ${e.message}.`, subject: expr.range });
  }
  return fallback;
}

function decodeValidation(varName: string, body: HclBody, declRange: HclRange, diags: HclDiagnostic[]): VariableValidation | undefined {
  const { content, diagnostics } = body.content({ attributes: [{ name: "condition", required: true }, { name: "error_message", required: true }], blocks: [] });
  diags.push(...diagnostics);
  const condition = content.attributes.get("condition");
  const message = content.attributes.get("error_message");
  if (!condition || !message) return undefined;
  const refs = referencedVars(condition.expr);
  if (refs.some((r) => r !== varName)) {
    diags.push({
      severity: "error",
      summary: "Invalid reference in variable validation",
      detail: `The condition for variable "${varName}" can only refer to the variable itself, using var.${varName}.`,
      subject: condition.expr.range,
    });
  } else if (!refs.includes(varName)) {
    diags.push({
      severity: "error",
      summary: "Invalid variable validation condition",
      detail: `The condition for variable "${varName}" must refer to var.${varName} in order to test incoming values.`,
      subject: condition.expr.range,
    });
  }
  const errorMessage = literalOf(message.expr, { kind: "string" }, diags, "") as string;
  if (errorMessage === "") {
    diags.push({ severity: "error", summary: "Invalid validation error message", detail: "An empty string is not a valid nor useful error message.", subject: message.expr.range });
  } else if (!looksLikeSentences(errorMessage)) {
    diags.push({
      severity: "error",
      summary: "Invalid validation error message",
      detail: "Validation error message must be at least one full sentence starting with an uppercase letter ( if the alphabet permits it ) and ending with a period or question mark.",
      subject: message.expr.range,
    });
  }
  return { condition: condition.expr, errorMessage, declRange };
}

/** Names after `var.` that an expression reads. */
function referencedVars(expr: Expression): string[] {
  return variablesReferenced(expr)
    .filter((r) => r.root === "var")
    .map((r) => r.attr ?? "");
}

function looksLikeSentences(s: string): boolean {
  const t = s.trim();
  if (t.length === 0) return false;
  const chars = [...t];
  const first = chars[0];
  const last = chars[chars.length - 1];
  if (/\p{L}/u.test(first) && first === first.toLowerCase() && first !== first.toUpperCase()) return false;
  return last === "." || last === "?" || last === "!";
}

/** A value given as text (-var, PKR_VAR_): a literal string for string/number/untyped variables, else an HCL expression. */
function expressionFromDefinition(fileName: string, text: string, type: HclType | undefined): { expr?: Expression; diagnostics: HclDiagnostic[] } {
  if (!type || type.kind === "string" || type.kind === "number" || type.kind === "dynamic") {
    // hclsyntax.LiteralValueExpr with no SrcRange: Packer's diagnostics about it say "on  line 0:".
    const nowhere: HclRange = { file: "", start: { line: 0, column: 0, byte: 0 }, end: { line: 0, column: 0, byte: 0 } };
    return { expr: { kind: "literal", value: stringVal(text), range: nowhere }, diagnostics: [] };
  }
  return parseHclExpression(fileName, text);
}

export interface VariableInputs {
  env: NodeJS.ProcessEnv;
  /** Parsed var files: auto-loaded ones first, then -var-file in command-line order. */
  varFiles: HclFile[];
  /** -var pairs in command-line order (the last of a name wins). */
  vars: [string, string][];
}

/** collectInputVariableValues: env, then files, then -var. Undeclared names in files only warn. */
export function collectVariableValues(variables: Map<string, InputVariable>, inputs: VariableInputs): HclDiagnostic[] {
  const diags: HclDiagnostic[] = [];
  const assign = (v: InputVariable, from: ValueSource, value: Value, expr: Expression | undefined, mismatch: (e: ConversionError) => HclDiagnostic): void => {
    let converted = value;
    if (v.type) {
      try {
        converted = convert(value, v.type);
      } catch (e) {
        if (!(e instanceof ConversionError)) throw e;
        diags.push(mismatch(e));
        converted = unknownVal(dynamicType);
      }
    }
    v.values.push({ from, value: converted, expr });
  };
  for (const [key, raw] of Object.entries(inputs.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!key.startsWith("PKR_VAR_") || raw === undefined) continue;
    const name = key.slice("PKR_VAR_".length);
    const v = variables.get(name);
    if (!v) continue;
    const { expr, diagnostics } = expressionFromDefinition(`<value for var.${name} from env>`, raw, v.type);
    diags.push(...diagnostics);
    if (!expr || errors(diagnostics)) continue;
    const { value, diagnostics: d } = evaluate(expr, undefined);
    diags.push(...d);
    assign(v, "env", value, expr, (e) => ({
      severity: "error",
      summary: "Invalid value for variable",
      detail: `The value for ${name} is not compatible with the variable's type constraint: ${e.message}.`,
      subject: expr.range,
    }));
  }
  for (const file of inputs.varFiles) {
    const { content } = file.body.partialContent({ attributes: [], blocks: [{ type: "variable", labelNames: ["name"] }] });
    for (const block of content.blocks) {
      const name = block.labels[0];
      diags.push({
        severity: "error",
        summary: "Variable declaration in a .pkrvar file",
        detail:
          `A .pkrvar file is used to assign values to variables that have already been declared in .pkr files, not to declare new variables. ` +
          `To declare variable "${name}", place this block in one of your .pkr files, such as variables.pkr.hcl\n\n` +
          `To set a value for this variable in ${block.typeRange.file}, use the definition syntax instead:\n    ${name} = <value>`,
        subject: block.typeRange,
      });
    }
    if (errors(diags)) return diags;
    const { attributes, diagnostics } = file.body.justAttributes();
    diags.push(...diagnostics);
    for (const attr of attributes.values()) {
      const v = variables.get(attr.name);
      if (!v) {
        diags.push({
          severity: "warning",
          summary: "Undefined variable",
          detail:
            `A "${attr.name}" variable was set but was not found in known variables. To declare variable "${attr.name}", ` +
            `place this block in one of your .pkr files, such as variables.pkr.hcl`,
          // Packer gives it a Context and no Subject: no location is printed.
          context: attr.range,
        });
        continue;
      }
      const { value, diagnostics: d } = evaluate(attr.expr, undefined);
      diags.push(...d);
      assign(v, "varfile", value, attr.expr, (e) => ({
        severity: "error",
        summary: "Invalid value for variable",
        detail: `The value for ${attr.name} is not compatible with the variable's type constraint: ${e.message}.`,
        subject: attr.expr.range,
      }));
    }
  }
  // Packer keeps -var in a map: the last value of a name wins.
  const lastByName = new Map<string, string>();
  for (const [k, val] of inputs.vars) {
    lastByName.delete(k);
    lastByName.set(k, val);
  }
  for (const [name, text] of lastByName) {
    const v = variables.get(name);
    if (!v) {
      diags.push({
        severity: "error",
        summary: "Undefined -var variable",
        detail:
          `A "${name}" variable was passed in the command line but was not found in known variables. ` +
          `To declare variable "${name}", place this block in one of your .pkr files, such as variables.pkr.hcl`,
      });
      continue;
    }
    const { expr, diagnostics } = expressionFromDefinition(`<value for var.${name} from arguments>`, text, v.type);
    diags.push(...diagnostics);
    if (!expr || errors(diagnostics)) continue;
    const { value, diagnostics: d } = evaluate(expr, undefined);
    diags.push(...d);
    assign(v, "cmd", value, expr, (e) => ({
      severity: "error",
      summary: "Invalid argument value for -var variable",
      detail: `The received arg value for ${name} is not compatible with the variable's type constraint: ${e.message}.`,
      subject: expr.range,
    }));
  }
  return diags;
}

/** Variable.Value(): the last assignment, checked by the validation rules; unset → unknown and an error. */
export function variableValue(v: InputVariable, functions: EvalContext["functions"]): { value: Value; diagnostics: HclDiagnostic[] } {
  const last = v.values[v.values.length - 1];
  if (!last) {
    return {
      value: unknownVal(v.type ?? dynamicType),
      diagnostics: [
        {
          severity: "error",
          summary: `Unset variable "${v.name}"`,
          detail: "A used variable must be set or have a default value; see https://packer.io/docs/configuration/from-1.5/syntax for details.",
          context: v.range,
        },
      ],
    };
  }
  const diagnostics: HclDiagnostic[] = [];
  const ctx: EvalContext = { variables: new Map([["var", objectVal({ [v.name]: last.value })]]), functions };
  for (const rule of v.validations) {
    const { value: result, diagnostics: d } = evaluate(rule.condition, ctx);
    diagnostics.push(...d);
    if (!isKnown(result)) continue;
    if (isNull(result)) {
      diagnostics.push({ severity: "error", summary: "Invalid variable validation result", detail: "Validation condition expression must return either true or false, not null.", subject: rule.condition.range });
      continue;
    }
    let ok: Value;
    try {
      ok = convert(result, boolType);
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      diagnostics.push({ severity: "error", summary: "Invalid variable validation result", detail: `Invalid validation condition result value: ${e.message}.`, subject: rule.condition.range });
      continue;
    }
    if (ok.kind === "bool" && !ok.value) {
      diagnostics.push({
        severity: "error",
        summary: `Invalid value for ${last.from} variable`,
        detail: `${rule.errorMessage}\n\nThis was checked by the validation rule at ${rangeString(rule.declRange)}.`,
        subject: last.expr?.range ?? rule.declRange,
      });
    }
  }
  return { value: last.value, diagnostics };
}

