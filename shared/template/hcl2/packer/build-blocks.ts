/**
 * `source "TYPE" "NAME" {…}` and `build {…}` blocks decoded as hcl2template does
 * (types.source.go, types.build*.go): source references, per-build `source` blocks with `name`
 * and overrides, provisioners (only/except, pause_before, max_retries, timeout, override) and
 * post-processors (single or `post-processors` chains). Component bodies stay unevaluated here:
 * they are evaluated per build, when `source.*` and `build.*` are known.
 */
import type { EvalContext, Expression, HclBlock, HclBody, HclDiagnostic, HclType, Value } from "../contract.js";
import { evaluate } from "../eval/index.js";
import { convert, ConversionError, isNull, isWhollyKnown, listType, numberType, sortedEntries, stringType, toJson } from "../value/index.js";
import { acceptedTypes, knownToPacker, schemaFor } from "../../../components/registry.js";
import { parseGoDuration, DurationSyntaxError } from "../../duration.js";
import { expandDynamicBlock } from "./dynamic-blocks.js";

export interface SourceBlock {
  type: string;
  name: string;
  /** `type.name`. */
  ref: string;
  block: HclBlock;
}

/** A `sources = [...]` entry or a `source "source.T.N" {…}` block of a build. */
export interface BuildSourceRef {
  type: string;
  name: string;
  /** `name = …` of a build's source block: the build then calls it `type.localName`. */
  localName?: string;
  /** The rest of that block's body, merged over the source's own body. */
  addition?: HclBody;
  /** Set when a `dynamic "source"` block generated it: the iterator its body sees. */
  vars?: Map<string, Value>;
}

export interface ProvisionerBlock {
  type: string;
  name: string;
  pauseBeforeMs: number;
  maxRetries: number;
  timeoutMs: number;
  override: Record<string, Record<string, unknown>>;
  only: string[];
  except: string[];
  body: HclBody;
  block: HclBlock;
  /** Set when a `dynamic "provisioner"` block generated it: the iterator its body sees. */
  vars?: Map<string, Value>;
}

export interface PostProcessorBlock {
  type: string;
  name: string;
  only: string[];
  except: string[];
  keepInputArtifact?: boolean;
  body: HclBody;
  block: HclBlock;
  /** Set when a `dynamic "post-processor"` block generated it: the iterator its body sees. */
  vars?: Map<string, Value>;
}

export interface BuildBlock {
  name: string;
  description: string;
  sources: BuildSourceRef[];
  provisioners: ProvisionerBlock[];
  errorCleanupProvisioner?: ProvisionerBlock;
  postProcessorChains: PostProcessorBlock[][];
  block: HclBlock;
}

const hasErrors = (d: HclDiagnostic[]): boolean => d.some((x) => x.severity === "error");
const IDENT = /^[\p{L}_][\p{L}\p{N}_-]*$/u;

export function decodeSource(block: HclBlock): { source?: SourceBlock; diagnostics: HclDiagnostic[] } {
  const [type, name] = block.labels;
  if (!schemaFor("builder", type) && !knownToPacker("builder", type)) {
    return {
      diagnostics: [{
        severity: "error",
        summary: `Unknown source type ${type}`,
        detail: `known builders: [${acceptedTypes("builder").join(" ")}]`,
        subject: block.labelRanges[0],
      }],
    };
  }
  return { source: { type, name, ref: `${type}.${name}`, block }, diagnostics: [] };
}

function sourceRefFromString(s: string): { type: string; name: string } | undefined {
  let parts = s.split(".");
  if (parts.length < 2) return undefined;
  if (parts.length > 2) parts = parts.slice(1);
  return { type: parts[0], name: parts[1] };
}

/**
 * An optional attribute decoded as gohcl.DecodeExpression does: the expression's own errors, then
 * "Unsuitable value type" when its value does not convert, is unknown (a reference where no variables
 * are allowed leaves it unknown, so both errors are reported) or is null (`nullable` for Go pointer fields).
 */
function decodeAttr(body: { attributes: Map<string, { expr: Expression; name: string }> }, name: string, type: HclType, ctx: EvalContext | undefined, diags: HclDiagnostic[], nullable = false): Value | undefined {
  const attr = body.attributes.get(name);
  if (!attr) return undefined;
  const { value, diagnostics } = evaluate(attr.expr, ctx);
  diags.push(...diagnostics);
  const unsuitable = (message: string): undefined => {
    diags.push({ severity: "error", summary: "Unsuitable value type", detail: `Unsuitable value: ${message}`, subject: attr.expr.range });
    return undefined;
  };
  let converted: Value;
  try {
    converted = convert(value, type);
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    return unsuitable(e.message);
  }
  if (type.kind === "dynamic") return hasErrors(diagnostics) ? undefined : converted;
  if (isNull(converted)) return nullable ? undefined : unsuitable("null value is not allowed");
  if (!isWhollyKnown(converted)) return unsuitable("value must be known");
  if (type.kind === "number" && converted.kind === "number" && !Number.isInteger(converted.value)) return unsuitable("value must be a whole number");
  return hasErrors(diagnostics) ? undefined : converted;
}

const str = (v: Value | undefined): string => (v && v.kind === "string" ? v.value : "");
const strings = (v: Value | undefined): string[] => (v && (v.kind === "list" || v.kind === "tuple") ? v.items.map((i) => (i.kind === "string" ? i.value : "")) : []);

export function decodeBuild(block: HclBlock, ctx: EvalContext): { build?: BuildBlock; diagnostics: HclDiagnostic[] } {
  const diags: HclDiagnostic[] = [];
  const { content: top, remain, diagnostics } = block.body.partialContent({ attributes: [{ name: "name" }, { name: "description" }, { name: "sources" }], blocks: [] });
  diags.push(...diagnostics);
  // gohcl decodes all three before the build gives up on an error.
  const name = decodeAttr(top, "name", stringType, undefined, diags);
  const description = decodeAttr(top, "description", stringType, undefined, diags);
  const sources = decodeAttr(top, "sources", listType(stringType), undefined, diags);
  const build: BuildBlock = {
    name: str(name),
    description: str(description),
    sources: [],
    provisioners: [],
    postProcessorChains: [],
    block,
  };
  if (hasErrors(diags)) return { diagnostics: diags };
  for (const s of strings(sources)) {
    const ref = sourceRefFromString(s);
    if (!ref || !IDENT.test(ref.type) || !IDENT.test(ref.name)) {
      diags.push({
        severity: "error",
        summary: "Invalid source reference",
        detail:
          "A source type is made of three parts that aresplit by a dot `.`; each part must start with a letter and may contain only letters, digits, underscores, and dashes.A valid source reference looks like: `source.type.name`",
        subject: block.defRange,
      });
      continue;
    }
    build.sources.push(ref);
  }
  const { content, diagnostics: cd } = remain.content({
    attributes: [],
    blocks: [
      // `from` is in 1.6.6's build schema, and nothing reads it.
      { type: "from", labelNames: ["type"] },
      { type: "source", labelNames: ["reference"] },
      { type: "provisioner", labelNames: ["type"] },
      { type: "error-cleanup-provisioner", labelNames: ["type"] },
      { type: "post-processor", labelNames: ["type"] },
      { type: "post-processors", labelNames: [] },
      { type: "dynamic", labelNames: ["type"] },
    ],
  });
  diags.push(...cd);
  if (hasErrors(diags)) return { diagnostics: diags };
  for (const item of withDynamicExpanded(content.blocks, ctx, diags)) {
    const b = item.block;
    const bctx: EvalContext = item.vars ? { variables: item.vars, functions: ctx.functions, parent: ctx } : ctx;
    if (b.type === "from") continue;
    if (b.type === "source") {
      const ref = sourceRefFromString(b.labels[0]);
      const { content: sc, remain: rest, diagnostics: sd } = b.body.partialContent({ attributes: [{ name: "name" }], blocks: [] });
      diags.push(...sd);
      if (!ref) {
        diags.push({ severity: "error", summary: "Invalid source reference", detail: "A valid source reference looks like: `source.type.name`", subject: b.labelRanges[0] });
        continue;
      }
      const localName = str(decodeAttr(sc, "name", stringType, iteratorOnly(item.vars), diags)) || undefined;
      build.sources.push({ ...ref, localName, addition: rest, ...(item.vars ? { vars: item.vars } : {}) });
    } else if (b.type === "provisioner" || b.type === "error-cleanup-provisioner") {
      const { provisioner, diagnostics: pd } = decodeProvisioner(b, bctx);
      diags.push(...pd);
      if (!provisioner) continue;
      if (item.vars) provisioner.vars = item.vars;
      if (b.type === "provisioner") build.provisioners.push(provisioner);
      else build.errorCleanupProvisioner = provisioner;
    } else if (b.type === "post-processor") {
      const { postProcessor, diagnostics: pd } = decodePostProcessor(b, iteratorOnly(item.vars));
      diags.push(...pd);
      if (postProcessor && item.vars) postProcessor.vars = item.vars;
      if (postProcessor) build.postProcessorChains.push([postProcessor]);
    } else {
      const { content: chain, diagnostics: chd } = b.body.content({ attributes: [], blocks: [{ type: "post-processor", labelNames: ["type"] }] });
      diags.push(...chd);
      if (hasErrors(chd)) continue;
      const pps: PostProcessorBlock[] = [];
      let failed = false;
      for (const ppb of chain.blocks) {
        const { postProcessor, diagnostics: pd } = decodePostProcessor(ppb);
        diags.push(...pd);
        if (!postProcessor) {
          failed = true;
          break;
        }
        pps.push(postProcessor);
      }
      if (!failed) build.postProcessorChains.push(pps);
    }
  }
  // hcl2template drops a build block that had any error (inspect then does not list it).
  return hasErrors(diags) ? { diagnostics: diags } : { build, diagnostics: diags };
}

/**
 * Packer 1.6.6 evaluates a build's `source` and `post-processor` meta-arguments without variables; in
 * a block a `dynamic` one generated, dynblock still gives them its iterator (and nothing else).
 */
function iteratorOnly(vars: Map<string, Value> | undefined): EvalContext | undefined {
  return vars ? { variables: vars, functions: new Map() } : undefined;
}

/** A build's blocks with `dynamic "source"`/`"provisioner"`/`"post-processor"` replaced by the blocks they generate. */
function withDynamicExpanded(blocks: HclBlock[], ctx: EvalContext, diags: HclDiagnostic[]): { block: HclBlock; vars?: Map<string, Value> }[] {
  const out: { block: HclBlock; vars?: Map<string, Value> }[] = [];
  for (const b of blocks) {
    if (b.type !== "dynamic") {
      out.push({ block: b });
      continue;
    }
    const type = b.labels[0];
    if (type !== "source" && type !== "provisioner" && type !== "post-processor" && type !== "post-processors" && type !== "from") {
      // dynblock's words for a dynamic block of a type the build schema lacks.
      diags.push({ severity: "error", summary: "Unsupported block type", detail: `Blocks of type ${JSON.stringify(type)} are not expected here.`, subject: b.labelRanges[0] ?? b.defRange });
      continue;
    }
    if (type === "post-processors" || type === "from") {
      diags.push({
        severity: "error",
        summary: "Unsupported dynamic block type",
        detail: `Kiln expands dynamic "source", "provisioner" and "post-processor" blocks in a build; not "${type}".`,
        subject: b.labelRanges[0] ?? b.defRange,
      });
      continue;
    }
    const { instances, diagnostics } = expandDynamicBlock(b, ctx);
    diags.push(...diagnostics);
    for (const instance of instances) {
      if (instance.labels.length !== 1) {
        diags.push({ severity: "error", summary: "Wrong number of labels", detail: `A dynamic "${type}" block needs labels = [TYPE] (one label).`, subject: b.defRange });
        break;
      }
      out.push({
        block: { ...b, type, labels: instance.labels, body: instance.body, labelRanges: [b.labelRanges[0] ?? b.defRange] },
        vars: instance.vars,
      });
    }
  }
  return out;
}

function onlyExceptDiag(only: string[], except: string[], block: HclBlock): HclDiagnostic[] {
  return only.length > 0 && except.length > 0 ? [{ severity: "error", summary: "only one of 'only' or 'except' may be specified", subject: block.defRange }] : [];
}

const PROVISIONER_META = [
  { name: "name" }, { name: "pause_before" }, { name: "max_retries" }, { name: "timeout" }, { name: "only" }, { name: "except" }, { name: "override" },
];

function decodeProvisioner(block: HclBlock, ctx: EvalContext): { provisioner?: ProvisionerBlock; diagnostics: HclDiagnostic[] } {
  const diags: HclDiagnostic[] = [];
  const { content, remain, diagnostics } = block.body.partialContent({ attributes: PROVISIONER_META, blocks: [] });
  diags.push(...diagnostics);
  const type = block.labels[0];
  const p: ProvisionerBlock = {
    type,
    name: str(decodeAttr(content, "name", stringType, ctx, diags)),
    pauseBeforeMs: 0,
    maxRetries: 0,
    timeoutMs: 0,
    override: {},
    only: strings(decodeAttr(content, "only", listType(stringType), ctx, diags)),
    except: strings(decodeAttr(content, "except", listType(stringType), ctx, diags)),
    body: remain,
    block,
  };
  const retries = decodeAttr(content, "max_retries", numberType, ctx, diags);
  if (retries && retries.kind === "number") p.maxRetries = Math.trunc(retries.value);
  for (const [key, field, summary] of [["pause_before", "pauseBeforeMs", "Failed to parse pause_before duration"], ["timeout", "timeoutMs", "Failed to parse timeout duration"]] as const) {
    const text = str(decodeAttr(content, key, stringType, ctx, diags));
    if (text === "") continue;
    try {
      p[field] = parseGoDuration(text);
    } catch (e) {
      if (!(e instanceof DurationSyntaxError)) throw e;
      diags.push({ severity: "error", summary, detail: e.message, subject: content.attributes.get(key)?.expr.range });
    }
  }
  const override = decodeAttr(content, "override", { kind: "dynamic" }, ctx, diags);
  if (override && isWhollyKnown(override) && (override.kind === "object" || override.kind === "map")) {
    for (const [build, opts] of sortedEntries(override)) {
      const json = toJson(opts);
      if (json && typeof json === "object" && !Array.isArray(json)) p.override[build] = json as Record<string, unknown>;
    }
  }
  diags.push(...onlyExceptDiag(p.only, p.except, block));
  if (hasErrors(diags)) return { diagnostics: diags };
  if (!schemaFor("provisioner", type) && !knownToPacker("provisioner", type)) {
    diags.push({
      severity: "error",
      summary: `Unknown provisioner type "${type}"`,
      detail: `known provisioners: [${acceptedTypes("provisioner").join(" ")}]`,
      subject: block.labelRanges[0],
    });
    return { diagnostics: diags };
  }
  return { provisioner: p, diagnostics: diags };
}

function decodePostProcessor(block: HclBlock, ctx?: EvalContext): { postProcessor?: PostProcessorBlock; diagnostics: HclDiagnostic[] } {
  const diags: HclDiagnostic[] = [];
  const { content, remain, diagnostics } = block.body.partialContent({
    attributes: [{ name: "name" }, { name: "only" }, { name: "except" }, { name: "keep_input_artifact" }],
    blocks: [],
  });
  diags.push(...diagnostics);
  const type = block.labels[0];
  const keep = decodeAttr(content, "keep_input_artifact", { kind: "bool" }, ctx, diags, true);
  const pp: PostProcessorBlock = {
    type,
    name: str(decodeAttr(content, "name", stringType, ctx, diags)),
    only: strings(decodeAttr(content, "only", listType(stringType), ctx, diags)),
    except: strings(decodeAttr(content, "except", listType(stringType), ctx, diags)),
    body: remain,
    block,
  };
  if (keep && keep.kind === "bool") pp.keepInputArtifact = keep.value;
  diags.push(...onlyExceptDiag(pp.only, pp.except, block));
  if (hasErrors(diags)) return { diagnostics: diags };
  if (!schemaFor("post-processor", type) && !knownToPacker("post-processor", type)) {
    diags.push({
      severity: "error",
      summary: `Unknown post-processor type "${type}"`,
      detail: `known post-processors: [${acceptedTypes("post-processor").join(" ")}]`,
      subject: block.labelRanges[0],
    });
    return { diagnostics: diags };
  }
  return { postProcessor: pp, diagnostics: diags };
}
