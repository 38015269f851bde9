/**
 * hcl's dynblock: `dynamic "T" { for_each = …; iterator = it; labels = […]; content { … } }`
 * stands for one T block per element of for_each, whose content sees `it.key` and `it.value`
 * (the iterator is named T unless `iterator` says otherwise).
 */
import type { EvalContext, HclBlock, HclBody, HclDiagnostic, Value } from "../contract.js";
import { evaluate } from "../eval/index.js";
import { elementsOf, isKnown, isNull, objectVal } from "../value/index.js";

export interface DynamicInstance {
  /** The generated block's labels (`labels`, evaluated per element). */
  labels: string[];
  body: HclBody;
  /** The iterator binding the content must be evaluated with. */
  vars: Map<string, Value>;
}

export function expandDynamicBlock(block: HclBlock, ctx: EvalContext): { type: string; instances: DynamicInstance[]; diagnostics: HclDiagnostic[] } {
  const type = block.labels[0] ?? "";
  const diagnostics: HclDiagnostic[] = [];
  const { content, diagnostics: d } = block.body.content({
    attributes: [{ name: "for_each", required: true }, { name: "iterator" }, { name: "labels" }],
    blocks: [{ type: "content", labelNames: [] }],
  });
  diagnostics.push(...d);
  const none = { type, instances: [], diagnostics };
  if (d.some((x) => x.severity === "error")) return none;
  const forEach = content.attributes.get("for_each");
  const body = content.blocks.find((b) => b.type === "content");
  if (!body) {
    diagnostics.push({
      severity: "error",
      summary: "Missing content block",
      detail: 'A dynamic block must have a nested block of type "content" to describe the body of each generated block.',
      subject: block.defRange,
    });
    return none;
  }
  if (!forEach) return none;
  let iterator = type;
  const it = content.attributes.get("iterator");
  if (it) {
    if (it.expr.kind !== "scope-traversal" || it.expr.steps.length > 0) {
      diagnostics.push({ severity: "error", summary: "Invalid dynamic iterator name", detail: "Dynamic iterator must be a single variable name.", subject: it.expr.range });
      return none;
    }
    iterator = it.expr.root;
  }
  const { value: coll, diagnostics: fd } = evaluate(forEach.expr, ctx);
  diagnostics.push(...fd);
  if (fd.some((x) => x.severity === "error")) return none;
  if (isNull(coll) || !isKnown(coll) || !["list", "set", "tuple", "map", "object"].includes(coll.kind)) {
    diagnostics.push({
      severity: "error",
      summary: "Invalid dynamic for_each value",
      detail: `Cannot use a ${isNull(coll) ? "null value" : coll.kind} in for_each. An iterable collection is required.`,
      subject: forEach.expr.range,
    });
    return none;
  }
  const labelsAttr = content.attributes.get("labels");
  const instances: DynamicInstance[] = [];
  for (const [key, value] of elementsOf(coll)) {
    const vars = new Map<string, Value>([[iterator, objectVal({ key, value })]]);
    const labels: string[] = [];
    if (labelsAttr) {
      const { value: lv, diagnostics: ld } = evaluate(labelsAttr.expr, { variables: vars, functions: ctx.functions, parent: ctx });
      diagnostics.push(...ld);
      if (lv.kind === "list" || lv.kind === "tuple") for (const l of lv.items) if (l.kind === "string") labels.push(l.value);
    }
    instances.push({ labels, body: body.body, vars });
  }
  return { type, instances, diagnostics };
}
