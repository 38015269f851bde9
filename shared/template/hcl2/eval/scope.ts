/** Looking names up in an EvalContext and its parents, with hcl's "Did you mean" suggestions. */
import type { EvalContext, HclFunction, Value } from "../contract.js";
import { editDistance } from "../edit-distance.js";

export function lookupVariable(ctx: EvalContext | undefined, name: string): Value | undefined {
  for (let c = ctx; c; c = c.parent) {
    const v = c.variables.get(name);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function lookupFunction(ctx: EvalContext | undefined, name: string): HclFunction | undefined {
  for (let c = ctx; c; c = c.parent) {
    const f = c.functions.get(name);
    if (f !== undefined) return f;
  }
  return undefined;
}

export function variableNames(ctx: EvalContext | undefined): string[] {
  const names = new Set<string>();
  for (let c = ctx; c; c = c.parent) for (const k of c.variables.keys()) names.add(k);
  return [...names];
}

export function functionNames(ctx: EvalContext | undefined): string[] {
  const names = new Set<string>();
  for (let c = ctx; c; c = c.parent) for (const k of c.functions.keys()) names.add(k);
  return [...names];
}

/** A child scope's own (empty) functions: hcl's nil Functions, so lookups go on to the parent. */
const NO_FUNCTIONS: ReadonlyMap<string, HclFunction> = new Map();

/** A child scope (for-expression symbols) that sees everything its parent sees. */
export function childContext(parent: EvalContext | undefined, variables: Map<string, Value>): EvalContext {
  return { variables, functions: NO_FUNCTIONS as Map<string, HclFunction>, ...(parent ? { parent } : {}) };
}

/** Whether some scope has a function table at all (hcl: else "Function calls not allowed"). */
export function functionsAllowed(ctx: EvalContext | undefined): boolean {
  for (let c = ctx; c; c = c.parent) if (c.functions !== NO_FUNCTIONS) return true;
  return false;
}

/** hcl's nameSuggestion: a name within edit distance 2, the closest one first. */
export function nameSuggestion(given: string, candidates: string[]): string | undefined {
  let best: { name: string; dist: number } | undefined;
  for (const name of [...candidates].sort()) {
    const dist = editDistance(given, name);
    if (dist < 3 && (!best || dist < best.dist)) best = { name, dist };
  }
  return best?.name;
}

/** `" Did you mean "x"?"` or nothing. */
export function didYouMean(given: string, candidates: string[]): string {
  const s = nameSuggestion(given, candidates);
  return s === undefined ? "" : ` Did you mean "${s}"?`;
}


/** Where an expression is evaluated: the context (absent where hcl passes nil) and the current splat item. */
export interface Scope {
  ctx: EvalContext | undefined;
  /** The anonymous item of the innermost splat being evaluated (hcl's AnonSymbolExpr). */
  splatItem?: Value;
}

export type Evaluated = { value: Value; diagnostics: import("../contract.js").HclDiagnostic[] };

/** Evaluates a sub-expression; the rooms below receive it so they need not import the dispatcher. */
export type EvaluateIn = (expr: import("../contract.js").Expression, scope: Scope) => Evaluated;

export function hasErrors(diags: import("../contract.js").HclDiagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}
