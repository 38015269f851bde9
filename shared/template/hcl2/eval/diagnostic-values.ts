/**
 * hcl's "with var.x as "abc"." lines: a diagnostic from evaluating an expression carries the
 * expression at fault and its EvalContext, and hcl's text writer prints the value of every
 * variable that expression reads. Kiln works the lines out when the diagnostic is made (the
 * context is the same then), so the syntax room's printer needs no evaluator.
 */
import type { EvalContext, Expression, HclDiagnostic, HclRange, TemplatePart, Value } from "../contract.js";
import { formatGoFloat, goQuote, isPrimitiveType, typeOf, typeString } from "../value/index.js";
import { scopeTraversals } from "./references.js";
import { lookupVariable } from "./scope.js";
import { traverse } from "./traversal.js";

/**
 * Gives each diagnostic `node` itself raised (those without lines yet) the lines hcl prints for
 * it. hcl points such a diagnostic at the node, or at the operand, argument, condition or key it
 * is about: here the direct child whose range holds the diagnostic's subject, else the node.
 */
export function attachVariableValues(diagnostics: HclDiagnostic[], node: Expression, ctx: EvalContext | undefined): void {
  for (const d of diagnostics) {
    if (d.variableValues !== undefined) continue;
    const subject = d.subject;
    const at = subject ? childExpressions(node).find((c) => contains(c.range, subject)) : undefined;
    d.variableValues = ctx ? variableValues(at ?? node, ctx) : [];
  }
}

/** hcl's diagnosticTextWriter: `name as value` / `name set to null` per variable read, sorted, unknown and failing ones left out. */
function variableValues(expr: Expression, ctx: EvalContext): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of scopeTraversals(expr)) {
    const root = lookupVariable(ctx, t.root);
    if (root === undefined) continue;
    const r = traverse(root, t.steps);
    if (r.diagnostics.some((d) => d.severity === "error")) continue;
    const name = t.root + t.steps.map((s) => (s.kind === "attr" ? `.${s.name}` : `[${isPrimitiveType(typeOf(s.key)) ? valueText(s.key) : "..."}]`)).join("");
    if (seen.has(name) || r.value.kind === "unknown") continue;
    out.push(r.value.kind === "null" ? `${name} set to null` : `${name} as ${valueText(r.value)}`);
    seen.add(name);
  }
  // Go's sort.Strings: byte order.
  return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** hcl's valueStr: short, a collection by its size. */
function valueText(v: Value): string {
  switch (v.kind) {
    case "null":
      return "null";
    case "unknown":
      return "(not yet known)";
    case "bool":
      return v.value ? "true" : "false";
    case "number":
      return goFloatG10(v.value);
    case "string":
      return goQuote(v.value);
    case "list":
    case "set":
    case "tuple":
    case "map": {
      const n = v.kind === "map" ? v.attrs.size : v.items.length;
      const ty = typeString(typeOf(v));
      return n === 0 ? `empty ${ty}` : n === 1 ? `${ty} with 1 element` : `${ty} with ${n} elements`;
    }
    case "object": {
      const names = [...v.attrs.keys()];
      if (names.length === 0) return "object with no attributes";
      if (names.length === 1) return `object with 1 attribute ${goQuote(names[0]!)}`;
      return `object with ${names.length} attributes`;
    }
  }
}

/** big.Float's Text('g', 10): ten significant digits, exponent form outside 1e-4 … 1e10. */
function goFloatG10(n: number): string {
  if (!Number.isFinite(n)) return formatGoFloat(n);
  if (n === 0) return "0";
  const [mantissa, expText] = n.toExponential(9).split("e");
  const exp = Number(expText);
  const digits = mantissa!.replace(/\.?0+$/, "");
  if (exp < -4 || exp >= 10) return `${digits}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return String(Number(n.toPrecision(10)));
}

function contains(outer: HclRange, inner: HclRange): boolean {
  return outer.file === inner.file && outer.start.byte <= inner.start.byte && inner.end.byte <= outer.end.byte;
}

/** An expression's direct sub-expressions. */
export function childExpressions(e: Expression): Expression[] {
  switch (e.kind) {
    case "template":
      return templateChildren(e.parts);
    case "relative-traversal":
      return [e.source];
    case "index":
      return [e.collection, e.key];
    case "splat":
      return [e.source, e.each];
    case "call":
      return e.args;
    case "tuple":
      return e.items;
    case "object":
      return e.items.flatMap((i) => [i.key, i.value]);
    case "unary":
      return [e.operand];
    case "binary":
      return [e.left, e.right];
    case "conditional":
      return [e.condition, e.then, e.else];
    case "for":
      return [e.collection, ...(e.keyExpr ? [e.keyExpr] : []), e.valueExpr, ...(e.condition ? [e.condition] : [])];
    case "parens":
      return [e.inner];
    default:
      return [];
  }
}

function templateChildren(parts: TemplatePart[]): Expression[] {
  return parts.flatMap((p) => {
    if (p.kind === "interpolation") return [p.expr];
    if (p.kind === "if") return [p.condition, ...templateChildren(p.then), ...templateChildren(p.else ?? [])];
    if (p.kind === "for") return [p.collection, ...templateChildren(p.body)];
    return [];
  });
}
