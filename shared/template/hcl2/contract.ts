/**
 * The contract between the HCL2 rooms (see README.md): syntax trees, values, evaluation, functions
 * and diagnostics. Modelled on hashicorp/hcl v2 (hcl.Body, hcl.Expression, hcl.Diagnostic) and
 * zclconf/go-cty (cty.Value, cty.Type), which is what Packer 1.6.6 is built on.
 */

// ---------------------------------------------------------------------------------------------
// Source ranges and diagnostics

/** 1-based line and column (columns count characters); byte is the 0-based UTF-8 offset. */
export interface HclPos {
  line: number;
  column: number;
  byte: number;
}

export interface HclRange {
  /** The file name as the user gave it (relative paths stay relative), for messages. */
  file: string;
  start: HclPos;
  end: HclPos;
}

/**
 * One HCL diagnostic, printed as hcl does:
 *   Error: <summary>
 *
 *     on <file> line <N>:
 *     (source line(s) with the subject underlined)
 *
 *   <detail>
 */
export interface HclDiagnostic {
  severity: "error" | "warning";
  summary: string;
  detail?: string;
  /** The part of the source the diagnostic is about. */
  subject?: HclRange;
  /** A wider range giving context (e.g. the whole attribute), optional. */
  context?: HclRange;
  /**
   * From evaluating an expression: the values of the variables the failing part reads, as hcl
   * prints them after the source ("with var.x as \"abc\"."); empty when there are none to show.
   */
  variableValues?: string[];
}

/** Thrown when a step cannot continue; carries every diagnostic gathered so far. */
export class HclDiagnosticsError extends Error {
  constructor(readonly diagnostics: HclDiagnostic[]) {
    super(diagnostics.map((d) => `${d.summary}${d.detail ? `: ${d.detail}` : ""}`).join("; "));
    this.name = "HclDiagnosticsError";
  }
}

// ---------------------------------------------------------------------------------------------
// Types and values (cty)

export type HclType =
  | { kind: "string" }
  | { kind: "number" }
  | { kind: "bool" }
  /** cty.DynamicPseudoType: "any". */
  | { kind: "dynamic" }
  | { kind: "list"; element: HclType }
  | { kind: "set"; element: HclType }
  | { kind: "map"; element: HclType }
  | { kind: "tuple"; elements: HclType[] }
  /** `optional` lists the attributes a type constraint marked optional(...). */
  | { kind: "object"; attributes: Record<string, HclType>; optional?: string[] };

/**
 * A cty value. Collections keep their element type; objects and maps keep insertion order in
 * `attrs` but cty (and Packer's console) print and iterate map/object keys in lexical order —
 * use the helpers in value/ for that. `unknown` stands for a value known only later (e.g. a
 * `build.*` attribute at plan time); operations on it yield unknown of the result type.
 */
export type Value =
  | { kind: "null"; type: HclType }
  | { kind: "unknown"; type: HclType }
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "list"; element: HclType; items: Value[] }
  | { kind: "set"; element: HclType; items: Value[] }
  | { kind: "tuple"; items: Value[] }
  | { kind: "map"; element: HclType; attrs: Map<string, Value> }
  | { kind: "object"; attrs: Map<string, Value> };

// ---------------------------------------------------------------------------------------------
// Expressions (hclsyntax's node types, one kind each)

export type Expression =
  | { kind: "literal"; value: Value; range: HclRange }
  /** Quoted strings and heredocs. A template that is a single `${expr}` yields expr's value unconverted. */
  | { kind: "template"; parts: TemplatePart[]; range: HclRange }
  /** `name.attr[0].x`: a root variable then steps (hcl.Traversal). */
  | { kind: "scope-traversal"; root: string; steps: TraversalStep[]; range: HclRange }
  /** A traversal applied to the result of another expression: `f(x).a[1]`, `(x).y`. */
  | { kind: "relative-traversal"; source: Expression; steps: TraversalStep[]; range: HclRange }
  | { kind: "index"; collection: Expression; key: Expression; range: HclRange }
  /** `source.*.each` or `source[*].each`; `each` is evaluated with the anonymous splat item bound. */
  | { kind: "splat"; source: Expression; each: Expression; full: boolean; range: HclRange }
  /** The anonymous item inside a splat's `each` expression. */
  | { kind: "splat-item"; range: HclRange }
  | { kind: "call"; name: string; args: Expression[]; expandFinal: boolean; nameRange: HclRange; range: HclRange }
  | { kind: "tuple"; items: Expression[]; range: HclRange }
  /** `{ k = v }`; `key` is a template/literal/traversal; a bare identifier key is a string (hcl's ObjectConsKeyExpr). */
  | { kind: "object"; items: { key: Expression; value: Expression; bareKey?: string }[]; range: HclRange }
  | { kind: "unary"; op: "!" | "-"; operand: Expression; range: HclRange }
  | {
      kind: "binary";
      op: "||" | "&&" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "+" | "-" | "*" | "/" | "%";
      left: Expression;
      right: Expression;
      range: HclRange;
    }
  | { kind: "conditional"; condition: Expression; then: Expression; else: Expression; range: HclRange }
  | {
      kind: "for";
      keyVar?: string;
      valueVar: string;
      collection: Expression;
      /** Present for `{for ...}` (object result). */
      keyExpr?: Expression;
      valueExpr: Expression;
      condition?: Expression;
      /** `...` after the value expression (grouping mode, object result only). */
      group: boolean;
      range: HclRange;
    }
  | { kind: "parens"; inner: Expression; range: HclRange };

export type TraversalStep =
  | { kind: "attr"; name: string; range: HclRange }
  | { kind: "index"; key: Value; range: HclRange };

export type TemplatePart =
  | { kind: "literal"; text: string; range: HclRange }
  | { kind: "interpolation"; expr: Expression; range: HclRange }
  | { kind: "if"; condition: Expression; then: TemplatePart[]; else?: TemplatePart[]; range: HclRange }
  | { kind: "for"; keyVar?: string; valueVar: string; collection: Expression; body: TemplatePart[]; range: HclRange };
// Strip markers (`~`) are applied by the parser: the literal text next to them is already trimmed.

// ---------------------------------------------------------------------------------------------
// Bodies (hcl.Body): schema-driven, because HCL's JSON syntax only knows what is a block from the schema

export interface HclAttribute {
  name: string;
  expr: Expression;
  nameRange: HclRange;
  range: HclRange;
}

export interface HclBlock {
  type: string;
  labels: string[];
  body: HclBody;
  typeRange: HclRange;
  labelRanges: HclRange[];
  /** From the type to the opening brace: what hcl underlines for block diagnostics. */
  defRange: HclRange;
  range: HclRange;
}

export interface BodySchema {
  attributes: { name: string; required?: boolean }[];
  blocks: { type: string; labelNames: string[] }[];
}

export interface BodyContent {
  attributes: Map<string, HclAttribute>;
  /** In source order (the order between blocks of different types is kept). */
  blocks: HclBlock[];
  /** Where the body is (its braces, or the whole file), for "missing required argument" diagnostics. */
  missingItemRange: HclRange;
}

export interface HclBody {
  /** Everything must match the schema: unknown arguments/blocks and missing required ones are diagnostics. */
  content(schema: BodySchema): { content: BodyContent; diagnostics: HclDiagnostic[] };
  /** Like content, but what the schema does not name is returned as the remaining body. */
  partialContent(schema: BodySchema): { content: BodyContent; remain: HclBody; diagnostics: HclDiagnostic[] };
  /** Every item must be an attribute (locals, variable files, maps written as blocks are errors). */
  justAttributes(): { attributes: Map<string, HclAttribute>; diagnostics: HclDiagnostic[] };
  range: HclRange;
  missingItemRange: HclRange;
}

export interface HclFile {
  /** Name as given, used in ranges. */
  name: string;
  /** Source bytes (for diagnostics' source excerpts). */
  source: string;
  body: HclBody;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** A function in the evaluation context (Packer's function library). */
export interface HclFunction {
  /** Positional parameters' types (for conversion and error messages). */
  params: { name: string; type: HclType; allowNull?: boolean; allowUnknown?: boolean }[];
  variadic?: { name: string; type: HclType; allowNull?: boolean; allowUnknown?: boolean };
  /** The result's type given argument types (for unknown results); dynamic when it depends on values. */
  returnType(args: Value[]): HclType;
  /** Throws HclFunctionError for bad arguments (the evaluator turns it into "Error in function call"). */
  impl(args: Value[]): Value;
}

/**
 * With argIndex, hcl prints it as "Invalid function argument" / `Invalid value for "<param>"
 * parameter: <message>.`; without, as "Error in function call" / `Call to function "<name>"
 * failed: <message>.` (see functions/README.md for can/try/convert, which take expressions).
 */
export class HclFunctionError extends Error {
  /** Index of the faulty argument, when one is at fault. */
  constructor(message: string, readonly argIndex?: number) {
    super(message);
    this.name = "HclFunctionError";
  }
}

export interface EvalContext {
  /** Root names (`var`, `local`, `source`, `build`, `path`, `packer`, for-loop symbols …). */
  variables: Map<string, Value>;
  functions: Map<string, HclFunction>;
  /** Child scopes (for-expressions) chain to their parent. */
  parent?: EvalContext;
  /** hcl's context with functions and a nil Variables map (a variable's default): references are "Variables not allowed". */
  noVariables?: true;
}

/**
 * An argument handed to a function unevaluated (hcl's customdecode): `can`, `try` and `convert`
 * need the expression itself, not its value.
 */
export interface ExpressionArgument {
  /** Evaluates the argument in the call's context; throws HclDiagnosticsError when it has errors. */
  evaluate(): Value;
  /** Whether a variable the expression refers to is not wholly known yet (then try/can are unknown). */
  dependsOnUnknowns(): boolean;
  /** Reads the argument as a type constraint (convert's second argument); throws HclDiagnosticsError. */
  typeConstraint(): HclType;
}

/**
 * A function whose arguments are expressions (can, try, convert): the evaluator checks the
 * argument count against `params`/`variadic` as for any function, then calls `implExpressions`
 * instead of evaluating the arguments. HclDiagnosticsError thrown from it is reported as is;
 * HclFunctionError as for `impl`.
 */
export interface HclExpressionFunction extends HclFunction {
  implExpressions(args: ExpressionArgument[]): Value;
}
