/**
 * `locals { … }` and `local "n" { expression, sensitive }`, evaluated as Packer 1.6.6 does: in
 * declaration order, a local that fails going to the back of the queue until the others are done.
 * Locals in a reference cycle fail as Packer 1.6.6 fails them ("Unsupported attribute" on the
 * missing local), plus a note naming the cycle.
 */
import type { EvalContext, Expression, HclDiagnostic, HclFile, HclRange, Value } from "../contract.js";
import { evaluate, variablesReferenced } from "../eval/index.js";
import { boolType, convert, ConversionError, objectVal } from "../value/index.js";

export interface LocalDecl {
  name: string;
  expr: Expression;
  sensitive: boolean;
  nameRange: HclRange;
}

const errors = (d: HclDiagnostic[]): boolean => d.some((x) => x.severity === "error");

export function decodeLocals(file: HclFile, seen: Map<string, LocalDecl>): { locals: LocalDecl[]; diagnostics: HclDiagnostic[] } {
  const diags: HclDiagnostic[] = [];
  const locals: LocalDecl[] = [];
  const { content } = file.body.partialContent({
    attributes: [],
    blocks: [
      { type: "locals", labelNames: [] },
      { type: "local", labelNames: ["name"] },
    ],
  });
  const add = (l: LocalDecl, context: HclRange): boolean => {
    if (seen.has(l.name)) {
      diags.push({ severity: "error", summary: "Duplicate value in locals", detail: `Duplicate ${l.name} definition found.`, subject: l.nameRange, context });
      return false;
    }
    seen.set(l.name, l);
    locals.push(l);
    return true;
  };
  for (const block of content.blocks) {
    if (block.type === "locals") {
      const { attributes, diagnostics } = block.body.justAttributes();
      diags.push(...diagnostics);
      for (const attr of attributes.values()) {
        if (!add({ name: attr.name, expr: attr.expr, sensitive: false, nameRange: attr.nameRange }, block.defRange)) return { locals, diagnostics: diags };
      }
      continue;
    }
    const { content: c, diagnostics } = block.body.content({ attributes: [{ name: "expression", required: true }, { name: "sensitive" }], blocks: [] });
    diags.push(...diagnostics);
    const expr = c.attributes.get("expression");
    if (!expr) continue;
    let sensitive = false;
    const s = c.attributes.get("sensitive");
    if (s) {
      const { value, diagnostics: d } = evaluate(s.expr, undefined);
      diags.push(...d);
      try {
        const b = convert(value, boolType);
        sensitive = b.kind === "bool" && b.value;
      } catch (e) {
        if (!(e instanceof ConversionError)) throw e;
        diags.push({ severity: "error", summary: "Incorrect attribute value type", detail: `Inappropriate value for attribute "sensitive": ${e.message}.`, subject: s.expr.range });
      }
    }
    add({ name: block.labels[0], expr: expr.expr, sensitive, nameRange: block.labelRanges[0] ?? block.defRange }, block.defRange);
  }
  return { locals, diagnostics: diags };
}

/** The reference cycles among locals, each closed (a → b → a). */
function localCycles(locals: readonly LocalDecl[]): string[][] {
  const byName = new Map(locals.map((l) => [l.name, l]));
  const deps = new Map(locals.map((l) => [l.name, [...new Set(variablesReferenced(l.expr).filter((r) => r.root === "local" && r.attr !== undefined && byName.has(r.attr)).map((r) => r.attr!))]]));
  const state = new Map<string, "visiting" | "done">();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === "done") return;
    if (s === "visiting") {
      cycles.push([...stack.slice(stack.indexOf(name)), name]);
      return;
    }
    state.set(name, "visiting");
    stack.push(name);
    for (const d of deps.get(name) ?? []) visit(d);
    stack.pop();
    state.set(name, "done");
  };
  for (const l of locals) visit(l.name);
  return cycles;
}

/** How many rounds without progress Packer 1.6.6 tries before it gives up on the locals left. */
const RETRIES = 100;

/**
 * Evaluates locals as Packer 1.6.6's evaluateLocalVariables does: a queue in declaration order; a
 * local that fails (perhaps reading one not evaluated yet) goes to the back, and after 100 failures
 * in a row with no local evaluated, or when it is the only one left, its errors are the result. So
 * the local named is not the first failing one but the one the rotation stops at (the last of two
 * or three). Locals evaluated before that keep their values (inspect shows them).
 * `ctxFor` builds the context from the locals known so far.
 */
export function evaluateLocals(locals: readonly LocalDecl[], ctxFor: (known: Map<string, Value>) => EvalContext): { values: Map<string, Value>; diagnostics: HclDiagnostic[] } {
  const values = new Map<string, Value>();
  const diags: HclDiagnostic[] = [];
  const queue = [...locals];
  let retry = 0;
  let previousLength = 0;
  while (queue.length > 0) {
    const l = queue.shift()!;
    const { value, diagnostics } = evaluate(l.expr, ctxFor(values));
    if (!errors(diagnostics)) {
      retry = 0;
      diags.push(...diagnostics);
      values.set(l.name, value);
      continue;
    }
    const length = queue.length + 1;
    const giveUp = length === 1 || (previousLength === length && retry++ === RETRIES);
    if (giveUp) {
      diags.push(...diagnostics, ...cycleDiagnostic(l, locals));
      return { values, diagnostics: diags };
    }
    previousLength = length;
    queue.push(l);
  }
  return { values, diagnostics: diags };
}

/** Packer 1.6.6 only says "Unsupported attribute" for a local in a reference cycle; Kiln says why. */
function cycleDiagnostic(failed: LocalDecl, locals: readonly LocalDecl[]): HclDiagnostic[] {
  const cycle = localCycles(locals).find((c) => c.includes(failed.name));
  if (!cycle) return [];
  return [{
    severity: "error",
    summary: "Cycle in local values",
    detail: `These locals refer to each other, so none of them can be evaluated: ${cycle.map((n) => `local.${n}`).join(" → ")}.`,
    subject: locals.find((l) => l.name === cycle[0])?.nameRange,
  }];
}

export const localsObject = (values: Map<string, Value>): Value => objectVal(values);
