/**
 * A component body (source, provisioner, post-processor) evaluated to the plain JSON config the
 * shared component schemas read: attributes become keys, nested blocks become lists of objects
 * (what Packer's hcldec specs produce for the same names), `dynamic "X"` blocks are expanded
 * (dynamic-blocks.ts). A null attribute stays as a null key: the schemas read it as unset, as
 * hcldec does; one the component has no such argument for is still unsupported ("foo = null").
 */
import type { EvalContext, Expression, HclAttribute, HclBlock, HclBody, HclDiagnostic, Value } from "../contract.js";
import { childExpressions, didYouMean, evaluate, variablesReferenced } from "../eval/index.js";
import { rangeBetween, rangeString } from "../syntax/index.js";
import { TABLES } from "../../../components/packer-keys/keys.generated.js";
import type { KeyType } from "../../../components/packer-keys/types.js";
import { dynamicType, isNull, isWhollyKnown, toJson, tryConvert } from "../value/index.js";
import { attributeTypeOf, isBlockKey } from "./attribute-types.js";
import { expandDynamicBlock } from "./dynamic-blocks.js";
import type { SourcePosition } from "../../position.js";

export interface ComponentConfig {
  config: Record<string, unknown>;
  /** Where each top-level key is written (for messages from the component schemas). */
  keyPositions: Record<string, SourcePosition>;
}

/** The items of a body not named in `exclude`, whatever their names (component bodies have no fixed schema here). */
export function bodyItems(
  body: HclBody,
  exclude: ReadonlySet<string>,
): { attributes: HclAttribute[]; blocks: HclBlock[]; diagnostics: HclDiagnostic[]; native: boolean } {
  const native = body as unknown as { attributes?: Map<string, HclAttribute>; blocks?: { type: string; labels: string[] }[] };
  if (native.attributes instanceof Map && Array.isArray(native.blocks)) {
    const attrNames = [...native.attributes.keys()].filter((n) => !exclude.has(n));
    const blockTypes = [...new Set(native.blocks.map((b) => b.type))].filter((t) => !exclude.has(t));
    const labelCount = new Map(native.blocks.map((b) => [b.type, b.labels.length]));
    const { content, diagnostics } = body.partialContent({
      attributes: attrNames.map((name) => ({ name })),
      blocks: blockTypes.map((type) => ({ type, labelNames: Array.from({ length: labelCount.get(type) ?? 0 }, (_, i) => `label${i}`) })),
    });
    return { attributes: [...content.attributes.values()].filter((a) => !exclude.has(a.name)), blocks: content.blocks, diagnostics, native: true };
  }
  // HCL's JSON syntax: without a schema, every property is an argument (objects stay objects).
  const { attributes, diagnostics } = body.justAttributes();
  return { attributes: [...attributes.values()].filter((a) => !exclude.has(a.name)), blocks: [], diagnostics, native: false };
}

/**
 * A JSON-syntax body read against the spec, as hcldec reads it (hcl/json's Content): properties
 * of block keys are blocks, any other property the spec lacks is "Extraneous JSON object property"
 * (marked in `unknownKeys`) and is passed on as an argument too.
 */
function jsonSpecItems(
  body: HclBody,
  schema: Readonly<Record<string, KeyType>>,
  unknownKeys: Set<HclDiagnostic>,
): { attributes: HclAttribute[]; blocks: HclBlock[]; diagnostics: HclDiagnostic[] } {
  const keys = Object.keys(schema);
  const spec = {
    attributes: keys.filter((k) => !isBlockKey(schema[k]!)).map((name) => ({ name })),
    blocks: [...keys.filter((k) => isBlockKey(schema[k]!)).map((type) => ({ type, labelNames: [] })), { type: "dynamic", labelNames: ["type"] }],
  };
  const { content, diagnostics } = body.content(spec);
  for (const d of diagnostics) if (d.summary === "Extraneous JSON object property") unknownKeys.add(d);
  const unknown = [...body.partialContent(spec).remain.justAttributes().attributes.values()];
  return { attributes: [...content.attributes.values(), ...unknown], blocks: content.blocks, diagnostics };
}

/**
 * `schema`: the component's keys and their Go types, when Packer's table of them is at hand (a
 * struct or list of structs is a block in its HCL2 spec, anything else an argument of the cty type
 * attribute-types.ts gives it). hcldec checks the body against the spec before it evaluates
 * anything: an argument the spec has as a block is "Unsupported argument", one it does not have
 * too (see `unknownKeys` below), a block of a type the spec has no block for "Unsupported block
 * type" (this level's first, then nested ones'). Then each argument's value is converted to its
 * type ("Incorrect attribute value type"), and the converted value is what the component gets (`5`
 * for a string is "5"). A JSON-syntax body is read against the spec the same way (hcl/json's words:
 * "Extraneous JSON object property"). Without a spec (Kiln's own components) every item is taken
 * as it is, and unknown keys are left to the component schemas.
 */
export function evaluateComponentBody(
  body: HclBody,
  ctx: EvalContext,
  exclude: ReadonlySet<string>,
  schema?: Readonly<Record<string, KeyType>>,
): { value: ComponentConfig; diagnostics: HclDiagnostic[]; unknownKeys: HclDiagnostic[] } {
  const diagnostics: HclDiagnostic[] = [];
  const config: Record<string, unknown> = {};
  const keyPositions: Record<string, SourcePosition> = {};
  const unknownKeys = new Set<HclDiagnostic>();
  collect(body, ctx, exclude, config, keyPositions, diagnostics, schema, unknownKeys);
  // Kiln's components accept a few keys of later Packer versions (cd_content, docker's platform, shell's env):
  // unknown keys alone are left to them (`unknownKeys`: what to say if they refuse one); with other errors,
  // which stop the plan here, they are reported first, as hcl does.
  const otherErrors = diagnostics.some((d) => d.severity === "error" && !unknownKeys.has(d));
  if (otherErrors) return { value: { config, keyPositions }, diagnostics, unknownKeys: [] };
  return { value: { config, keyPositions }, diagnostics: diagnostics.filter((d) => !unknownKeys.has(d)), unknownKeys: [...unknownKeys] };
}

function collect(
  body: HclBody,
  ctx: EvalContext,
  exclude: ReadonlySet<string>,
  into: Record<string, unknown>,
  positions: Record<string, SourcePosition> | undefined,
  diagnostics: HclDiagnostic[],
  schema: Readonly<Record<string, KeyType>> | undefined,
  unknownKeys: Set<HclDiagnostic>,
): void {
  const native = bodyItems(body, exclude);
  const items = schema && !native.native ? { ...jsonSpecItems(body, schema, unknownKeys), native: false } : native;
  diagnostics.push(...items.diagnostics);
  const defined = new Set(items.attributes.map((a) => a.name));
  const attributes = schema && items.native ? items.attributes.filter((a) => argumentInSpec(a, schema, defined, diagnostics, unknownKeys)) : items.attributes;
  const blocks = schema ? items.blocks.filter((b) => b.type === "dynamic" || supportedBlock(b, schema, diagnostics)) : items.blocks;
  for (const attr of attributes) {
    const { value, diagnostics: d } = evaluate(attr.expr, ctx);
    const known = schema !== undefined && Object.prototype.hasOwnProperty.call(schema, attr.name);
    // hcldec never evaluates an unknown argument: a failing one is kept (as null) for the component to judge.
    if (schema && !known && d.some((x) => x.severity === "error")) {
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
    const converted = tryConvert(value, known ? attributeTypeOf(schema![attr.name]!) : dynamicType);
    if (converted.error) {
      diagnostics.push({
        severity: "error",
        summary: "Incorrect attribute value type",
        detail: `Inappropriate value for attribute ${JSON.stringify(attr.name)}: ${converted.error.message}.`,
        subject: attr.expr.range,
        context: rangeBetween(attr.nameRange, attr.expr.range),
      });
      continue;
    }
    if (!isNull(converted.value) && !isWhollyKnown(converted.value)) {
      diagnostics.push({
        severity: "error",
        summary: "Unknown value",
        detail: `The value of "${attr.name}" is not known until the build runs, so it cannot configure this component.`,
        subject: attr.expr.range,
      });
      continue;
    }
    setKey(into, attr.name, toJson(converted.value));
    if (positions) positions[attr.name] = { file: attr.nameRange.file, line: attr.nameRange.start.line, column: attr.nameRange.start.column };
  }
  const single = new Map<string, HclBlock>();
  for (const block of blocks) {
    if (block.type === "dynamic") {
      expandDynamic(block, ctx, into, positions, diagnostics, schema, unknownKeys);
      continue;
    }
    // A struct (not a list of them) is hcldec's BlockSpec: one block; a second is an error and not decoded.
    if (schema && schema[block.type]!.startsWith("@")) {
      const previous = single.get(block.type);
      if (previous) {
        diagnostics.push({
          severity: "error",
          summary: `Duplicate ${block.type} block`,
          detail: `Only one block of type ${JSON.stringify(block.type)} is allowed. Previous definition was at ${rangeString(previous.defRange)}.`,
          subject: block.defRange,
        });
        continue;
      }
      single.set(block.type, block);
    }
    const nested: Record<string, unknown> = {};
    collect(block.body, ctx, new Set(), nested, undefined, diagnostics, schema ? nestedSchema(schema[block.type]!) : undefined, unknownKeys);
    appendBlock(into, block.type, nested);
    if (positions && !(block.type in positions)) {
      positions[block.type] = { file: block.typeRange.file, line: block.typeRange.start.line, column: block.typeRange.start.column };
    }
  }
}

/**
 * hcl's body.Content for one argument of a native body: one the spec does not have, or has as a
 * block, is "Unsupported argument", with hcl's hint: the nearest argument of the spec the body does
 * not set, else "Did you mean to define a block". A block one is dropped; an unknown one is kept,
 * its diagnostic marked in `unknownKeys`.
 */
function argumentInSpec(
  attr: HclAttribute,
  schema: Readonly<Record<string, KeyType>>,
  defined: ReadonlySet<string>,
  diagnostics: HclDiagnostic[],
  unknownKeys: Set<HclDiagnostic>,
): boolean {
  const type = Object.prototype.hasOwnProperty.call(schema, attr.name) ? schema[attr.name] : undefined;
  if (type !== undefined && !isBlockKey(type)) return true;
  const hint =
    didYouMean(attr.name, Object.keys(schema).filter((k) => !isBlockKey(schema[k]!) && !defined.has(k))) ||
    (type !== undefined ? ` Did you mean to define a block of type ${JSON.stringify(attr.name)}?` : "");
  const diagnostic: HclDiagnostic = { severity: "error", summary: "Unsupported argument", detail: `An argument named ${JSON.stringify(attr.name)} is not expected here.${hint}`, subject: attr.nameRange };
  diagnostics.push(diagnostic);
  if (type !== undefined) return false;
  unknownKeys.add(diagnostic);
  return true;
}

const BLOCK_TYPE = /^\[?@([^\]]+)\]?$/;

/** Whether the spec has a block of this type; if not, hcl's "Unsupported block type". */
function supportedBlock(block: HclBlock, schema: Readonly<Record<string, KeyType>>, diagnostics: HclDiagnostic[]): boolean {
  const type = schema[block.type];
  if (type !== undefined && Object.prototype.hasOwnProperty.call(schema, block.type) && (type === "*" || isBlockKey(type))) return true;
  const blockTypes = Object.keys(schema).filter((k) => isBlockKey(schema[k]!));
  let hint = didYouMean(block.type, blockTypes);
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
  schema: Readonly<Record<string, KeyType>> | undefined,
  unknownKeys: Set<HclDiagnostic>,
): void {
  const { type, instances, diagnostics: d } = expandDynamicBlock(block, ctx);
  const blockType = schema && Object.prototype.hasOwnProperty.call(schema, type) ? schema[type] : undefined;
  diagnostics.push(...d);
  for (const instance of instances) {
    const child: EvalContext = { variables: instance.vars, functions: ctx.functions, parent: ctx };
    const nested: Record<string, unknown> = {};
    collect(instance.body, child, new Set(), nested, undefined, diagnostics, blockType === undefined ? undefined : nestedSchema(blockType), unknownKeys);
    appendBlock(into, type, nested);
  }
  if (positions && !(type in positions)) positions[type] = { file: block.typeRange.file, line: block.typeRange.start.line, column: block.typeRange.start.column };
}
