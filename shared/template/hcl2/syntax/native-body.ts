import type {
  BodyContent,
  BodySchema,
  HclAttribute,
  HclBlock,
  HclBody,
  HclDiagnostic,
  HclRange,
} from "../contract.js";
import { nameSuggestion } from "./name-suggestion.js";
import type { BlockOutline } from "./native-recognizer.js";
import { rangeBetween } from "./source-positions.js";

/** A block as written in native syntax (labels are already decoded strings). */
export interface NativeBlock {
  type: string;
  labels: string[];
  body: NativeBody;
  typeRange: HclRange;
  labelRanges: HclRange[];
  openBraceRange: HclRange;
  range: HclRange;
}

/**
 * hclsyntax.Body: attributes by name, blocks in source order. `hidden*` are the names a
 * partialContent call already consumed, so the remaining body does not report them again.
 */
export class NativeBody implements HclBody {
  /** A file body's top-level blocks as hcl's parser saw them (for diagnostics' "in <block>"). */
  outline?: BlockOutline[];

  constructor(
    readonly attributes: Map<string, HclAttribute>,
    readonly blocks: NativeBlock[],
    readonly range: HclRange,
    private readonly hiddenAttrs: ReadonlySet<string> = new Set(),
    private readonly hiddenBlocks: ReadonlySet<string> = new Set(),
  ) {}

  get missingItemRange(): HclRange {
    return { file: this.range.file, start: this.range.start, end: this.range.start };
  }

  content(schema: BodySchema): { content: BodyContent; diagnostics: HclDiagnostic[] } {
    const { content, remain, diagnostics } = this.partialContent(schema);
    const rest = remain as NativeBody;
    const unsupported: HclDiagnostic[] = [];
    for (const [name, attr] of this.attributes) {
      if (rest.hiddenAttrs.has(name)) continue;
      const candidates = schema.attributes.filter((a) => !content.attributes.has(a.name)).map((a) => a.name);
      let suggestion = nameSuggestion(name, candidates);
      let hint = suggestion !== undefined ? ` Did you mean ${JSON.stringify(suggestion)}?` : "";
      if (!hint && schema.blocks.some((b) => b.type === name))
        hint = ` Did you mean to define a block of type ${JSON.stringify(name)}?`;
      unsupported.push({
        severity: "error",
        summary: "Unsupported argument",
        detail: `An argument named ${JSON.stringify(name)} is not expected here.${hint}`,
        subject: attr.nameRange,
      });
    }
    for (const block of this.blocks) {
      if (rest.hiddenBlocks.has(block.type)) continue;
      const suggestion = nameSuggestion(block.type, schema.blocks.map((b) => b.type));
      let hint = suggestion !== undefined ? ` Did you mean ${JSON.stringify(suggestion)}?` : "";
      if (!hint && schema.attributes.some((a) => a.name === block.type))
        hint = ` Did you mean to define argument ${JSON.stringify(block.type)}? If so, use the equals sign to assign it a value.`;
      unsupported.push({
        severity: "error",
        summary: "Unsupported block type",
        detail: `Blocks of type ${JSON.stringify(block.type)} are not expected here.${hint}`,
        subject: block.typeRange,
      });
    }
    // hcl walks a Go map here (random order); source order is the stable equivalent.
    unsupported.sort((a, b) => a.subject!.start.byte - b.subject!.start.byte);
    return { content, diagnostics: [...diagnostics, ...unsupported] };
  }

  partialContent(schema: BodySchema): { content: BodyContent; remain: HclBody; diagnostics: HclDiagnostic[] } {
    const diagnostics: HclDiagnostic[] = [];
    const attributes = new Map<string, HclAttribute>();
    const hiddenAttrs = new Set(this.hiddenAttrs);
    const hiddenBlocks = new Set(this.hiddenBlocks);
    for (const a of schema.attributes) {
      const attr = this.attributes.get(a.name);
      if (!attr || hiddenAttrs.has(a.name)) {
        if (a.required) {
          diagnostics.push({
            severity: "error",
            summary: "Missing required argument",
            detail: `The argument ${JSON.stringify(a.name)} is required, but no definition was found.`,
            subject: this.missingItemRange,
          });
        }
        continue;
      }
      hiddenAttrs.add(a.name);
      attributes.set(a.name, attr);
    }
    const wanted = new Map(schema.blocks.map((b) => [b.type, b]));
    const blocks: HclBlock[] = [];
    for (const block of this.blocks) {
      if (hiddenBlocks.has(block.type)) continue;
      const s = wanted.get(block.type);
      if (!s) continue;
      const context = rangeBetween(block.typeRange, block.openBraceRange);
      if (block.labels.length > s.labelNames.length) {
        diagnostics.push({
          severity: "error",
          summary: `Extraneous label for ${block.type}`,
          detail:
            s.labelNames.length === 0
              ? `No labels are expected for ${block.type} blocks.`
              : `Only ${s.labelNames.length} labels (${s.labelNames.join(", ")}) are expected for ${block.type} blocks.`,
          subject: block.labelRanges[s.labelNames.length],
          context,
        });
        continue;
      }
      if (block.labels.length < s.labelNames.length) {
        diagnostics.push({
          severity: "error",
          summary: `Missing ${s.labelNames[block.labels.length]} for ${block.type}`,
          detail: `All ${block.type} blocks must have ${s.labelNames.length} labels (${s.labelNames.join(", ")}).`,
          subject: block.openBraceRange,
          context,
        });
        continue;
      }
      blocks.push(toHclBlock(block));
    }
    for (const b of schema.blocks) hiddenBlocks.add(b.type);
    return {
      content: { attributes, blocks, missingItemRange: this.missingItemRange },
      remain: new NativeBody(this.attributes, this.blocks, this.range, hiddenAttrs, hiddenBlocks),
      diagnostics,
    };
  }

  justAttributes(): { attributes: Map<string, HclAttribute>; diagnostics: HclDiagnostic[] } {
    const diagnostics: HclDiagnostic[] = [];
    if (this.blocks.length > 0) {
      const example = this.blocks[0];
      diagnostics.push({
        severity: "error",
        summary: `Unexpected ${JSON.stringify(example.type)} block`,
        detail: "Blocks are not allowed here.",
        subject: example.typeRange,
      });
    }
    const attributes = new Map<string, HclAttribute>();
    for (const [name, attr] of this.attributes) if (!this.hiddenAttrs.has(name)) attributes.set(name, attr);
    return { attributes, diagnostics };
  }
}

/** hcl.Block as Packer sees it: DefRange runs from the type to the last label. */
function toHclBlock(block: NativeBlock): HclBlock {
  const lastHeader = block.labelRanges[block.labelRanges.length - 1] ?? block.typeRange;
  return {
    type: block.type,
    labels: block.labels,
    body: block.body,
    typeRange: block.typeRange,
    labelRanges: block.labelRanges,
    defRange: rangeBetween(block.typeRange, lastHeader),
    range: block.range,
  };
}
