/**
 * A component body (source, provisioner, post-processor) evaluated to the plain JSON config the
 * shared component schemas read: attributes become keys, nested blocks become lists of objects
 * (what Packer's hcldec specs produce for the same names), `dynamic "X"` blocks are expanded
 * (dynamic-blocks.ts). A null attribute stays as a null key: the schemas read it as unset, as
 * hcldec does, and still report it when the component has no such argument ("foo = null").
 */
import type { EvalContext, Expression, HclAttribute, HclBlock, HclBody, HclDiagnostic, Value } from "../contract.js";
import { childExpressions, didYouMean, evaluate, nameSuggestion, variablesReferenced } from "../eval/index.js";
import { TABLES } from "../../../components/packer-keys/keys.generated.js";
import type { KeyType } from "../../../components/packer-keys/types.js";
import { isNull, isWhollyKnown, toJson } from "../value/index.js";
import { expandDynamicBlock } from "./dynamic-blocks.js";
import type { SourcePosition } from "../../position.js";

export interface ComponentConfig {
  config: Record<string, unknown>;
  /** Where each top-level key is written (for messages from the component schemas). */
  keyPositions: Record<string, SourcePosition>;
}

/** The items of a body not named in `exclude`, whatever their names (component bodies have no fixed schema here). */
export function bodyItems(body: HclBody, exclude: ReadonlySet<string>): { attributes: HclAttribute[]; blocks: HclBlock[]; diagnostics: HclDiagnostic[] } {
  const native = body as unknown as { attributes?: Map<string, HclAttribute>; blocks?: { type: string; labels: string[] }[] };
  if (native.attributes instanceof Map && Array.isArray(native.blocks)) {
    const attrNames = [...native.attributes.keys()].filter((n) => !exclude.has(n));
    const blockTypes = [...new Set(native.blocks.map((b) => b.type))].filter((t) => !exclude.has(t));
    const labelCount = new Map(native.blocks.map((b) => [b.type, b.labels.length]));
    const { content, diagnostics } = body.partialContent({
      attributes: attrNames.map((name) => ({ name })),
      blocks: blockTypes.map((type) => ({ type, labelNames: Array.from({ length: labelCount.get(type) ?? 0 }, (_, i) => `label${i}`) })),
    });
    return { attributes: [...content.attributes.values()].filter((a) => !exclude.has(a.name)), blocks: content.blocks, diagnostics };
  }
  // HCL's JSON syntax: without a schema, every property is an argument (objects stay objects).
  const { attributes, diagnostics } = body.justAttributes();
  return { attributes: [...attributes.values()].filter((a) => !exclude.has(a.name)), blocks: [], diagnostics };
}

/**
 * `schema`: the component's keys and their Go types, when Packer's table of them is at hand (a
 * struct or list of structs is a block in its HCL2 spec, anything else an argument). hcldec checks
 * the body against the spec before it evaluates anything: a block of a type the spec has no block
 * for is "Unsupported block type" (this level's first, then nested ones'), and an unknown argument
 * is never evaluated: one whose value fails is kept (as null) for the component schemas to report.
 * With `unsupportedArguments` (a component's body, as Packer 1.6.6's decodeHCL2Spec decodes it), the
 * body's own unknown arguments are hcl's "Unsupported argument" here, first, as hcldec's Content
 * reports them before any value is evaluated, and are left out of the config.
 */
export function evaluateComponentBody(
  body: HclBody,
  ctx: EvalContext,
  exclude: ReadonlySet<string>,
  schema?: Readonly<Record<string, KeyType>>,
  options: { unsupportedArguments?: boolean } = {},
): { value: ComponentConfig; diagnostics: HclDiagnostic[] } {
  const diagnostics: HclDiagnostic[] = [];
  const config: Record<string, unknown> = {};
  const keyPositions: Record<string, SourcePosition> = {};
  collect(body, ctx, exclude, config, keyPositions, diagnostics, schema, options.unsupportedArguments === true);
  return { value: { config, keyPositions }, diagnostics };
}

function collect(
  body: HclBody,
  ctx: EvalContext,
  exclude: ReadonlySet<string>,
  into: Record<string, unknown>,
  positions: Record<string, SourcePosition> | undefined,
  diagnostics: HclDiagnostic[],
  schema?: Readonly<Record<string, KeyType>>,
  unsupportedArguments = false,
): void {
  const items = bodyItems(body, exclude);
  diagnostics.push(...items.diagnostics);
  // Only native syntax: HCL's JSON syntax words these differently ("Extraneous JSON object property").
  const native = (body as unknown as { attributes?: unknown }).attributes instanceof Map;
  let attributes = items.attributes;
  let blocks = items.blocks;
  if (schema && unsupportedArguments && native) {
    const unsupported = attributes.filter((a) => !isArgument(schema, a.name));
    attributes = attributes.filter((a) => isArgument(schema, a.name));
    const unset = Object.keys(schema).filter((k) => isArgument(schema, k) && !attributes.some((a) => a.name === k));
    for (const a of unsupported) {
      const hint = didYouMean(a.name, unset) || (isBlock(schema, a.name) ? ` Did you mean to define a block of type ${JSON.stringify(a.name)}?` : "");
      diagnostics.push({ severity: "error", summary: "Unsupported argument", detail: `An argument named ${JSON.stringify(a.name)} is not expected here.${hint}`, subject: a.nameRange });
    }
    // Content's block types come next, still before anything is evaluated.
    blocks = blocks.filter((b) => b.type === "dynamic" || supportedBlock(b, schema, diagnostics));
  }
  for (const attr of attributes) {
    const { value, diagnostics: d } = evaluate(attr.expr, ctx);
    if (schema && !Object.prototype.hasOwnProperty.call(schema, attr.name) && d.some((x) => x.severity === "error")) {
      setKey(into, attr.name, null);
      if (positions) positions[attr.name] = { file: attr.nameRange.file, line: attr.nameRange.start.line, column: attr.nameRange.start.column };
      continue;
    }
    diagnostics.push(...d);
    const call = callOnBuildData(attr.expr);
    if (call) {
      diagnostics.push({
        severity: "warning",
        summary: "Build data passed to a function",
        detail:
          `Kiln fills build.* values in when the build runs, after HCL functions have run: ${call}() here sees a placeholder, ` +
          "not the value (Packer 1.6.6 evaluates the expression again at that point). Use build.* directly in the string.",
        subject: attr.expr.range,
      });
    }
    if (d.some((x) => x.severity === "error")) continue;
    if (!isNull(value) && !isWhollyKnown(value)) {
      diagnostics.push({
        severity: "error",
        summary: "Unknown value",
        detail: `The value of "${attr.name}" is not known until the build runs, so it cannot configure this component.`,
        subject: attr.expr.range,
      });
      continue;
    }
    setKey(into, attr.name, toJson(value));
    if (positions) positions[attr.name] = { file: attr.nameRange.file, line: attr.nameRange.start.line, column: attr.nameRange.start.column };
  }
  if (schema && !(unsupportedArguments && native)) blocks = blocks.filter((b) => b.type === "dynamic" || supportedBlock(b, schema, diagnostics));
  for (const block of blocks) {
    if (block.type === "dynamic") {
      expandDynamic(block, ctx, into, positions, diagnostics);
      continue;
    }
    const nested: Record<string, unknown> = {};
    collect(block.body, ctx, new Set(), nested, undefined, diagnostics, schema ? nestedSchema(schema[block.type]!) : undefined);
    appendBlock(into, block.type, nested);
    if (positions && !(block.type in positions)) {
      positions[block.type] = { file: block.typeRange.file, line: block.typeRange.start.line, column: block.typeRange.start.column };
    }
  }
}

const BLOCK_TYPE = /^\[?@([^\]]+)\]?$/;

/** A key the spec has as an argument (a struct, or a list of them, is a block; `*` is either). */
function isArgument(schema: Readonly<Record<string, KeyType>>, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(schema, name) && !isBlock(schema, name);
}

function isBlock(schema: Readonly<Record<string, KeyType>>, name: string): boolean {
  const type = Object.prototype.hasOwnProperty.call(schema, name) ? schema[name]! : undefined;
  return type !== undefined && type !== "*" && BLOCK_TYPE.test(type);
}

/** Whether the spec has a block of this type; if not, hcl's "Unsupported block type". */
function supportedBlock(block: HclBlock, schema: Readonly<Record<string, KeyType>>, diagnostics: HclDiagnostic[]): boolean {
  const type = schema[block.type];
  if (type !== undefined && Object.prototype.hasOwnProperty.call(schema, block.type) && (type === "*" || BLOCK_TYPE.test(type))) return true;
  const blockTypes = Object.keys(schema).filter((k) => BLOCK_TYPE.test(schema[k]!));
  const suggestion = nameSuggestion(block.type, blockTypes);
  let hint = suggestion !== undefined ? ` Did you mean ${JSON.stringify(suggestion)}?` : "";
  if (!hint && Object.prototype.hasOwnProperty.call(schema, block.type)) {
    hint = ` Did you mean to define argument ${JSON.stringify(block.type)}? If so, use the equals sign to assign it a value.`;
  }
  diagnostics.push({ severity: "error", summary: "Unsupported block type", detail: `Blocks of type ${JSON.stringify(block.type)} are not expected here.${hint}`, subject: block.typeRange });
  return false;
}

/** The keys of a nested block's struct, when the table lists them. */
function nestedSchema(type: KeyType): Readonly<Record<string, KeyType>> | undefined {
  const name = BLOCK_TYPE.exec(type)?.[1];
  return name === undefined ? undefined : TABLES.structs[name];
}

/** The name of a function called with a `build.*` reference among its arguments, if any. */
function callOnBuildData(e: Expression): string | undefined {
  if (e.kind === "call" && e.args.some((a) => variablesReferenced(a).some((r) => r.root === "build"))) return e.name;
  for (const child of childExpressions(e)) {
    const found = callOnBuildData(child);
    if (found) return found;
  }
  return undefined;
}

function setKey(into: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
}

function appendBlock(into: Record<string, unknown>, type: string, nested: Record<string, unknown>): void {
  const existing = Object.prototype.hasOwnProperty.call(into, type) ? into[type] : undefined;
  if (Array.isArray(existing)) existing.push(nested);
  else setKey(into, type, [nested]);
}

function expandDynamic(
  block: HclBlock,
  ctx: EvalContext,
  into: Record<string, unknown>,
  positions: Record<string, SourcePosition> | undefined,
  diagnostics: HclDiagnostic[],
): void {
  const { type, instances, diagnostics: d } = expandDynamicBlock(block, ctx);
  diagnostics.push(...d);
  for (const instance of instances) {
    const child: EvalContext = { variables: instance.vars, functions: ctx.functions, parent: ctx };
    const nested: Record<string, unknown> = {};
    collect(instance.body, child, new Set(), nested, undefined, diagnostics);
    appendBlock(into, type, nested);
  }
  if (positions && !(type in positions)) positions[type] = { file: block.typeRange.file, line: block.typeRange.start.line, column: block.typeRange.start.column };
}
