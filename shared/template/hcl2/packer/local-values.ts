/**
 * `locals { … }` and `local "n" { expression, sensitive }`: each evaluated once, in dependency
 * order (a local that reads another comes after it). Locals in a reference cycle are evaluated
 * last, and fail as Packer 1.6.6 fails them ("Unsupported attribute" on the missing local).
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

/** Dependency order: each local after the locals it reads; members of cycles keep their place at the end. */
export function localsInDependencyOrder(locals: readonly LocalDecl[]): { ordered: LocalDecl[]; cycles: string[][] } {
  const byName = new Map(locals.map((l) => [l.name, l]));
  const deps = new Map(locals.map((l) => [l.name, [...new Set(variablesReferenced(l.expr).filter((r) => r.root === "local" && r.attr !== undefined && byName.has(r.attr)).map((r) => r.attr!))]]));
  const ordered: LocalDecl[] = [];
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
    ordered.push(byName.get(name)!);
  };
  for (const l of locals) visit(l.name);
  return { ordered, cycles };
}

/** Evaluates locals in order; `ctxFor` builds the context from the locals known so far. Stops at the first failing local, as Packer. */
export function evaluateLocals(locals: readonly LocalDecl[], ctxFor: (known: Map<string, Value>) => EvalContext): { values: Map<string, Value>; diagnostics: HclDiagnostic[] } {
  const values = new Map<string, Value>();
  const diags: HclDiagnostic[] = [];
  const { ordered, cycles } = localsInDependencyOrder(locals);
  const byName = new Map(locals.map((l) => [l.name, l]));
  for (const l of ordered) {
    const { value, diagnostics } = evaluate(l.expr, ctxFor(values));
    diags.push(...diagnostics);
    if (errors(diagnostics)) {
      // Packer 1.6.6 only says "Unsupported attribute"; say why when a cycle is the cause.
      const cycle = cycles.find((c) => c.includes(l.name));
      if (cycle) {
        diags.push({
          severity: "error",
          summary: "Cycle in local values",
          detail: `These locals refer to each other, so none of them can be evaluated: ${cycle.map((n) => `local.${n}`).join(" → ")}.`,
          subject: byName.get(cycle[0])?.nameRange,
        });
      }
      return { values, diagnostics: diags };
    }
    values.set(l.name, value);
  }
  return { values, diagnostics: diags };
}

export const localsObject = (values: Map<string, Value>): Value => objectVal(values);
