import * as jsoncModule from "jsonc-parser";
import type {
  BodyContent,
  BodySchema,
  Expression,
  HclAttribute,
  HclBlock,
  HclBody,
  HclDiagnostic,
  HclFile,
  HclRange,
} from "../contract.js";
import { jsonSyntaxDiagnostic } from "./json-syntax-errors.js";
import { nameSuggestion } from "./name-suggestion.js";
import { parseHclTemplate, rangeString } from "./native-file.js";
import { SourcePositions, rangeBetween } from "./source-positions.js";

// Node may load jsonc-parser's UMD build as CommonJS (everything under `default`); the CLI bundle
// uses its ESM build. Accept both shapes, as shared/template/json-document.ts does.
const jsonc = (jsoncModule as unknown as { default?: typeof jsoncModule }).default ?? jsoncModule;
type JsonNode = jsoncModule.Node;

/**
 * HCL's JSON syntax (`*.pkr.json`, `*.pkrvars.json`), as hashicorp/hcl's json package reads it:
 * what is an argument and what is a block is only known from the schema, so the body keeps the
 * JSON tree and interprets it on each content() call. Strings are templates (`"${var.x}"`).
 */
export function parseHclJsonFile(name: string, source: string): { file: HclFile; diagnostics: HclDiagnostic[] } {
  const positions = new SourcePositions(name, source);
  const errors: jsoncModule.ParseError[] = [];
  const root = jsonc.parseTree(source, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
  // Only the first error is reported: after it, hcl's recovery and jsonc-parser's differ.
  const diagnostics: HclDiagnostic[] = [];
  let broken: number | undefined;
  if (errors.length > 0) {
    const { diagnostic, brokenContainer } = jsonSyntaxDiagnostic(source, errors[0], positions);
    diagnostics.push(diagnostic);
    broken = brokenContainer;
  }
  const ctx = new JsonContext(positions, broken);
  const val: JsonNode = root ?? { type: "null", offset: 0, length: 0, value: null };
  // hcl/json accepts an object or an array of objects at the root (what the schema decides);
  // anything else, or a root it gave up on, is this error.
  const rootBroken = broken !== undefined && (broken === -1 || broken === val.offset);
  if (rootBroken || (errors.length === 0 && val.type !== "object" && val.type !== "array")) {
    diagnostics.push({
      severity: "error",
      summary: "Root value must be object",
      detail: "The root value in a JSON-based configuration must be either a JSON object or a JSON array of objects.",
      subject: positions.range(val.offset, val.offset + (val.length > 0 ? 1 : 0)),
    });
  }
  // Like hcl, a root it reported is replaced by an empty object, so reading the body by a schema
  // does not repeat the error in other words.
  const body = diagnostics.some((d) => d.summary === "Root value must be object")
    ? new JsonBody(ctx, { type: "object", offset: 0, length: 0, children: [] })
    : new JsonBody(ctx, val);
  return { file: { name, source, body }, diagnostics };
}

class JsonContext {
  constructor(
    readonly positions: SourcePositions,
    /** Offset of the object/array a syntax error made hcl drop, if any. */
    readonly brokenContainer?: number,
  ) {}
  range(n: JsonNode): HclRange {
    return this.positions.range(n.offset, n.offset + n.length);
  }
  startRange(n: JsonNode): HclRange {
    return this.positions.range(n.offset, n.offset + (n.type === "object" || n.type === "array" ? 1 : n.length));
  }
  closeRange(n: JsonNode): HclRange {
    const end = n.offset + n.length;
    return this.positions.range(Math.max(n.offset, end - 1), end);
  }
}

interface JsonAttr {
  name: string;
  nameRange: HclRange;
  value: JsonNode;
  range: HclRange;
}

function objectAttrs(ctx: JsonContext, obj: JsonNode): JsonAttr[] {
  return (obj.children ?? []).flatMap((p) => {
    const [k, v] = p.children ?? [];
    if (!k || !v) return [];
    return [{ name: String(k.value), nameRange: ctx.range(k), value: v, range: ctx.range(p) }];
  });
}

class JsonBody implements HclBody {
  constructor(
    private readonly ctx: JsonContext,
    private readonly val: JsonNode,
    private readonly hiddenAttrs: ReadonlySet<string> = new Set(),
  ) {}

  get range(): HclRange {
    return this.ctx.range(this.val);
  }

  get missingItemRange(): HclRange {
    if (this.val.type === "object") return this.ctx.closeRange(this.val);
    return this.ctx.startRange(this.val);
  }

  /** hcl/json's navigation: the path of object keys and array indexes down to `byte` ("source.null.x"). */
  contextString(byte: number): string {
    const steps: string[] = [];
    const contains = (n: JsonNode) => this.ctx.positions.pos(n.offset).byte <= byte && byte < this.ctx.positions.pos(n.offset + n.length).byte;
    const nested = (n: JsonNode | undefined) => n !== undefined && (n.type === "object" || n.type === "array");
    let v: JsonNode | undefined = this.val;
    while (v && v.offset !== this.ctx.brokenContainer) {
      let next: JsonNode | undefined;
      if (v.type === "object") {
        for (const p of v.children ?? []) {
          const [k, val] = p.children ?? [];
          if (nested(val) && contains(val!) && val!.offset !== this.ctx.brokenContainer) {
            steps.push(`.${String(k.value)}`);
            next = val;
            break;
          }
        }
      } else if (v.type === "array") {
        (v.children ?? []).some((el, i) => {
          if (nested(el) && contains(el) && el.offset !== this.ctx.brokenContainer) {
            steps.push(`[${i}]`);
            next = el;
            return true;
          }
          return false;
        });
      }
      v = next;
    }
    return steps.join("").replace(/^\./, "");
  }

  content(schema: BodySchema): { content: BodyContent; diagnostics: HclDiagnostic[] } {
    const { content, remain, diagnostics } = this.partialContent(schema);
    const hidden = (remain as JsonBody).hiddenAttrs;
    const suggestions = [
      ...schema.attributes.filter((a) => !hidden.has(a.name)).map((a) => a.name),
      ...schema.blocks.map((b) => b.type),
    ];
    const { attrs, diagnostics: deep } = this.collectDeepAttrs(this.val);
    diagnostics.push(...deep);
    for (const attr of attrs) {
      if (attr.name === "//" || hidden.has(attr.name)) continue;
      const s = nameSuggestion(attr.name, suggestions);
      diagnostics.push({
        severity: "error",
        summary: "Extraneous JSON object property",
        detail: `No argument or block type is named ${JSON.stringify(attr.name)}.${s !== undefined ? ` Did you mean ${JSON.stringify(s)}?` : ""}`,
        subject: attr.nameRange,
        context: attr.nameRange, // hcl json: an object attribute's Range() is its name's
      });
    }
    return { content, diagnostics };
  }

  partialContent(schema: BodySchema): { content: BodyContent; remain: HclBody; diagnostics: HclDiagnostic[] } {
    const { attrs, diagnostics } = this.collectDeepAttrs(this.val);
    const used = new Set(this.hiddenAttrs);
    const attributes = new Map<string, HclAttribute>();
    const blocks: HclBlock[] = [];
    const attrSchemas = new Map(schema.attributes.map((a) => [a.name, a]));
    const blockSchemas = new Map(schema.blocks.map((b) => [b.type, b]));
    for (const attr of attrs) {
      if (this.hiddenAttrs.has(attr.name)) continue;
      if (attrSchemas.has(attr.name)) {
        const existing = attributes.get(attr.name);
        if (existing) {
          diagnostics.push({
            severity: "error",
            summary: "Duplicate argument",
            detail: `The argument ${JSON.stringify(attr.name)} was already set at ${rangeString(existing.range)}.`,
            subject: attr.nameRange,
            context: attr.nameRange,
          });
          continue;
        }
        attributes.set(attr.name, this.attribute(attr, diagnostics));
        used.add(attr.name);
      } else {
        const bs = blockSchemas.get(attr.name);
        if (!bs) continue;
        this.unpackBlock(attr.value, bs.type, attr.nameRange, bs.labelNames, [], [], blocks, diagnostics);
        used.add(attr.name);
      }
    }
    for (const a of schema.attributes) {
      if (a.required && !attributes.has(a.name)) {
        diagnostics.push({
          severity: "error",
          summary: "Missing required argument",
          detail: `The argument ${JSON.stringify(a.name)} is required, but no definition was found.`,
          subject: this.missingItemRange,
        });
      }
    }
    return {
      content: { attributes, blocks, missingItemRange: this.missingItemRange },
      remain: new JsonBody(this.ctx, this.val, used),
      diagnostics,
    };
  }

  justAttributes(): { attributes: Map<string, HclAttribute>; diagnostics: HclDiagnostic[] } {
    const diagnostics: HclDiagnostic[] = [];
    const attributes = new Map<string, HclAttribute>();
    if (this.val.type !== "object") {
      diagnostics.push({
        severity: "error",
        summary: "Incorrect JSON value type",
        detail: "A JSON object is required here, setting the arguments for this block.",
        subject: this.ctx.startRange(this.val),
      });
      return { attributes, diagnostics };
    }
    for (const attr of objectAttrs(this.ctx, this.val)) {
      if (attr.name === "//" || this.hiddenAttrs.has(attr.name)) continue;
      const existing = attributes.get(attr.name);
      if (existing) {
        diagnostics.push({
          severity: "error",
          summary: "Duplicate attribute definition",
          detail: `The argument ${JSON.stringify(attr.name)} was already set at ${rangeString(existing.range)}.`,
          subject: attr.nameRange,
        });
        continue;
      }
      attributes.set(attr.name, this.attribute(attr, diagnostics));
    }
    return { attributes, diagnostics };
  }

  private attribute(attr: JsonAttr, diagnostics: HclDiagnostic[]): HclAttribute {
    return {
      name: attr.name,
      expr: jsonExpression(this.ctx, attr.value, diagnostics),
      nameRange: attr.nameRange,
      range: rangeBetween(attr.nameRange, this.ctx.range(attr.value)),
    };
  }

  private unpackBlock(
    v: JsonNode,
    type: string,
    typeRange: HclRange,
    labelsLeft: string[],
    labelsUsed: string[],
    labelRanges: HclRange[],
    blocks: HclBlock[],
    diagnostics: HclDiagnostic[],
  ): void {
    if (labelsLeft.length > 0) {
      const labelName = labelsLeft[0];
      const { attrs, diagnostics: deep } = this.collectDeepAttrs(v, labelName);
      diagnostics.push(...deep);
      if (attrs.length === 0) {
        diagnostics.push({
          severity: "error",
          summary: "Missing block label",
          detail: `At least one object property is required, whose name represents the ${type} block's ${labelName}.`,
          subject: this.ctx.startRange(v),
        });
        return;
      }
      for (const p of attrs) {
        this.unpackBlock(p.value, type, typeRange, labelsLeft.slice(1), [...labelsUsed, p.name], [...labelRanges, p.nameRange], blocks, diagnostics);
      }
      return;
    }
    const make = (body: JsonNode, def: HclRange): HclBlock => ({
      type,
      labels: [...labelsUsed],
      body: new JsonBody(this.ctx, body),
      typeRange,
      labelRanges: [...labelRanges],
      defRange: def,
      range: this.ctx.range(body),
    });
    if (v.type === "null") return;
    if (v.type === "object") blocks.push(make(v, this.ctx.startRange(v)));
    else if (v.type === "array") for (const item of v.children ?? []) blocks.push(make(item, this.ctx.startRange(v)));
    else
      diagnostics.push({
        severity: "error",
        summary: "Incorrect JSON value type",
        detail: `Either a JSON object or a JSON array is required, representing the contents of one or more ${JSON.stringify(type)} blocks.`,
        subject: this.ctx.startRange(v),
      });
  }

  private collectDeepAttrs(v: JsonNode, labelName?: string): { attrs: JsonAttr[]; diagnostics: HclDiagnostic[] } {
    const diagnostics: HclDiagnostic[] = [];
    const attrs: JsonAttr[] = [];
    if (v.type === "null") return { attrs, diagnostics };
    if (v.type === "object") return { attrs: objectAttrs(this.ctx, v), diagnostics };
    if (v.type === "array") {
      for (const ev of v.children ?? []) {
        if (ev.type === "object") attrs.push(...objectAttrs(this.ctx, ev));
        else
          diagnostics.push({
            severity: "error",
            summary: "Incorrect JSON value type",
            detail:
              labelName !== undefined
                ? `A JSON object is required here, to specify ${labelName} labels for this block.`
                : "A JSON object is required here, to define arguments and child blocks.",
            subject: this.ctx.startRange(ev),
          });
      }
      return { attrs, diagnostics };
    }
    diagnostics.push({
      severity: "error",
      summary: "Incorrect JSON value type",
      detail:
        labelName !== undefined
          ? `Either a JSON object or JSON array of objects is required here, to specify ${labelName} labels for this block.`
          : "Either a JSON object or JSON array of objects is required here, to define arguments and child blocks.",
      subject: this.ctx.startRange(v),
    });
    return { attrs, diagnostics };
  }
}

/** A JSON value as an expression: strings are templates, arrays tuples, objects objects. */
function jsonExpression(ctx: JsonContext, n: JsonNode, diagnostics: HclDiagnostic[]): Expression {
  const range = ctx.range(n);
  switch (n.type) {
    case "string": {
      // The template's positions count from just inside the opening quote (exact unless escapes precede).
      const start = ctx.positions.pos(n.offset + 1);
      const { expr, diagnostics: d } = parseHclTemplate(range.file, String(n.value), start);
      diagnostics.push(...d);
      return expr ? { ...expr, range } : { kind: "template", parts: [{ kind: "literal", text: String(n.value), range }], range };
    }
    case "number":
      return { kind: "literal", value: { kind: "number", value: Number(n.value) }, range };
    case "boolean":
      return { kind: "literal", value: { kind: "bool", value: Boolean(n.value) }, range };
    case "null":
      return { kind: "literal", value: { kind: "null", type: { kind: "dynamic" } }, range };
    case "array":
      return { kind: "tuple", items: (n.children ?? []).map((c) => jsonExpression(ctx, c, diagnostics)), range };
    case "object":
      return {
        kind: "object",
        items: objectAttrs(ctx, n).map((a) => {
          const keyNode = n.children!.find((p) => p.children?.[0] && ctx.range(p.children[0]).start.byte === a.nameRange.start.byte)!.children![0];
          return { key: jsonExpression(ctx, keyNode, diagnostics), value: jsonExpression(ctx, a.value, diagnostics) };
        }),
        range,
      };
    default:
      return { kind: "literal", value: { kind: "null", type: { kind: "dynamic" } }, range };
  }
}
