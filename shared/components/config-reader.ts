import { render, validate, InterpolationError } from "../template/interpolate/index.js";
import type { InterpolationContext } from "../template/interpolate/context.js";
import { parseGoDuration, DurationSyntaxError } from "../template/duration.js";
import type { SourcePosition } from "../template/position.js";
import type { RawComponent } from "./raw-component.js";
import { ConfigErrors, type ConfigProblem } from "./problems.js";
import { checkValue, packerKeysOf, unusedKeyMessage, withStructKeys } from "./packer-keys/check-keys.js";
import type { ComponentKind } from "./types.js";
import { foldedKey, goEqualFold } from "../template/key-fold.js";

export interface ConfigReaderOptions {
  /** Which table of Packer's keys this component's keys come from (a type name can be in two). */
  kind: ComponentKind;
  interpolation: InterpolationContext;
  /** Keys the component renders itself later, with per-step data (`execute_command`, `boot_command`). */
  renderLater?: readonly string[];
  /**
   * The component reads only some of its keys itself (types Kiln validates but cannot run, or runs
   * with a subset of Packer's options): every other key is checked against Packer's own key table
   * for the type (name and Go type), as Packer's decoder would.
   */
  partial?: boolean;
  /** What the component's Prepare puts before its decoding error as a whole (ConfigProblem.decodePrefix). */
  decodeErrorPrefix?: string;
  /** Set on the readers `blocks()` hands out: where the block sits in its parent's config. */
  nested?: { path: string; problems: ConfigProblem[]; position: SourcePosition | undefined };
}

/**
 * Reads a component's configuration the way Packer's mapstructure decoding does: every string is
 * interpolated first (except `renderLater` keys), scalars are weakly typed ("true" is a bool, "3"
 * an int), and any key nobody read is an error. Problems are collected, not thrown one by one, so a
 * user sees them all at once.
 */
export class ConfigReader {
  /** A nested block's reader shares its parent's list, so one `finish()` reports everything. */
  readonly problems: ConfigProblem[];
  private readonly read = new Set<string>();
  private readonly rendered = new Map<string, unknown>();

  constructor(readonly raw: RawComponent, private readonly options: ConfigReaderOptions) {
    this.problems = options.nested?.problems ?? [];
  }

  get interpolation(): InterpolationContext {
    return this.options.interpolation;
  }

  /**
   * The key as written in the configuration for the field `key`: the exact key, else one equal
   * to it but for case (mapstructure matches "SSH_Username" to ssh_username).
   */
  writtenKey(key: string): string {
    return foldedKey(this.raw.config, key) ?? key;
  }

  /** Whether the key is set: null is unset (hcldec's null attribute, mapstructure's nil). */
  has(key: string): boolean {
    const written = this.writtenKey(key);
    return Object.prototype.hasOwnProperty.call(this.raw.config, written) && this.raw.config[written] !== null;
  }

  positionOf(key: string): SourcePosition | undefined {
    if (this.options.nested) return this.options.nested.position;
    return this.raw.keyPositions?.[this.writtenKey(key)] ?? this.raw.position;
  }

  /** Records a problem against a key (a rule of the component's Prepare, checked after decoding). */
  problem(key: string | undefined, message: string): void {
    const nested = this.options.nested;
    this.problems.push({
      message: nested ? `${nested.path}: ${message}` : message,
      field: key === undefined ? nested?.path : this.keyPath(key),
      position: key ? this.positionOf(key) : nested?.position ?? this.raw.position,
    });
  }

  /** A problem Packer's decoder itself finds (a value of the wrong type, an unknown key). */
  private decodeProblem(key: string, message: string, phase: "decode" | "interpolate" = "decode"): void {
    const nested = this.options.nested;
    this.problems.push({ message: nested ? `${nested.path}: ${message}` : message, field: this.keyPath(key), position: this.positionOf(key.split(/[.[]/)[0]!), phase, ...this.prefix() });
  }

  private prefix(): { decodePrefix?: string } {
    return this.options.decodeErrorPrefix === undefined ? {} : { decodePrefix: this.options.decodeErrorPrefix };
  }

  /** `key` as written from the component's top (`volume[0].source.pool` inside nested blocks). */
  private keyPath(key: string): string {
    return this.options.nested ? `${this.options.nested.path}.${key}` : key;
  }

  /**
   * A nested block that may repeat (HCL2 `volume { }` blocks, JSON `"volume": [{…}]`, or one
   * object): a reader per block, whose problems name their path (`volume[1].source.pool`). The
   * blocks' own `finish()` reports their unknown keys; the component's `finish()` throws them all.
   */
  blocks(key: string): ConfigReader[] {
    return this.nestedReaders(key, false);
  }

  private nestedReaders(key: string, single: boolean): ConfigReader[] {
    const v = this.value(key);
    if (v === undefined || v === null) return [];
    const items = Array.isArray(v) ? v : [v];
    const out: ConfigReader[] = [];
    items.forEach((item, i) => {
      if (!item || typeof item !== "object" || Array.isArray(item)) {
        this.decodeProblem(key, `'${key}[${i}]' expected a map, got '${goType(item)}'`);
        return;
      }
      out.push(this.child(single ? this.keyPath(key) : `${this.keyPath(key)}[${i}]`, item as Record<string, unknown>, this.positionOf(key)));
    });
    return out;
  }

  /** A reader over an absent block, so its defaults and required keys are checked as Go's zero struct would be. */
  emptyBlock(key: string): ConfigReader {
    return this.child(this.keyPath(key), {}, this.raw.position);
  }

  /** A reader over a nested block's values (already rendered), reporting into this reader's problems. */
  private child(path: string, config: Record<string, unknown>, position: SourcePosition | undefined): ConfigReader {
    const { kind, interpolation, decodeErrorPrefix } = this.options;
    return new ConfigReader({ type: this.raw.type, config }, { kind, interpolation, decodeErrorPrefix, nested: { path, problems: this.problems, position } });
  }

  /** A nested block that appears at most once (Go's pointer-to-struct fields: `source { }`). */
  block(key: string): ConfigReader | undefined {
    const all = this.nestedReaders(key, true);
    if (all.length > 1) this.problem(key, `only one '${key}' block is allowed, found ${all.length}`);
    return all[0];
  }

  /** The interpolated value of a key, of any shape. */
  value(key: string): unknown {
    const written = this.writtenKey(key);
    this.read.add(written);
    if (!this.has(key)) return undefined;
    if (this.rendered.has(written)) return this.rendered.get(written);
    const rawValue = this.raw.config[written];
    let v: unknown = rawValue;
    // A nested block's values were rendered with its parent's.
    if (!this.options.nested && this.options.renderLater?.includes(key)) {
      // Packer's RenderMap parses every key, even those it leaves for later.
      const bad = firstInvalidString(rawValue, this.options.interpolation);
      if (bad) this.decodeProblem(key, `invalid '${written}': ${bad.error.message} in:\n\n${bad.text}`, "interpolate");
    } else if (!this.options.nested) {
      try {
        v = renderDeep(rawValue, this.options.interpolation);
      } catch (e) {
        if (!(e instanceof InterpolationError)) throw e;
        const verb = e.phase === "parse" ? "invalid" : "render";
        // Packer quotes the string that failed, also when it sits in a list or map.
        const source = typeof rawValue === "string" ? rawValue : firstUnrenderable(rawValue, this.options.interpolation) ?? String(rawValue);
        this.decodeProblem(key, `${verb} '${written}': ${e.message} in:\n\n${source}`, "interpolate");
        v = undefined;
      }
    }
    v = this.asSingleStruct(key, v);
    const type = this.options.nested ? undefined : packerKeysOf(this.options.kind, this.raw.type)?.keys[key];
    if (type !== undefined) v = withStructKeys(v, type);
    this.rendered.set(written, v);
    return v;
  }

  /**
   * A key whose Packer type is one struct (`assume_role`, `aws_polling`, `qemu_img_args`) is a
   * block in HCL2, which arrives as a list of one map (two are refused by HCL as duplicates):
   * that map is the value, as Packer's hcldec BlockSpec gives it. JSON's `[{…}]` is taken the same
   * way, as mapstructure's weak decoding merges a list of maps.
   */
  private asSingleStruct(key: string, v: unknown): unknown {
    if (!Array.isArray(v) || v.length === 0 || this.options.nested) return v;
    if (!v.every((m) => m !== null && typeof m === "object" && !Array.isArray(m))) return v;
    const type = packerKeysOf(this.options.kind, this.raw.type)?.keys[key];
    return type?.startsWith("@") ? Object.assign({}, ...(v as object[])) : v;
  }

  string(key: string): string | undefined;
  string(key: string, fallback: string): string;
  string(key: string, fallback?: string): string | undefined {
    const v = this.value(key);
    if (v === undefined || v === null) return fallback;
    const s = weakString(v);
    if (s === undefined) {
      this.decodeProblem(key, `'${key}' expected type 'string', got unconvertible type '${goType(v)}'`);
      return fallback;
    }
    return s === "" && fallback !== undefined ? fallback : s;
  }

  bool(key: string, fallback = false): boolean {
    const v = this.value(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0;
    if (typeof v === "string") {
      const t = v.trim().toLowerCase();
      if (["1", "t", "true"].includes(t)) return true;
      if (["0", "f", "false", ""].includes(t)) return false;
    }
    this.decodeProblem(key, typeof v === "string"
      ? `cannot parse '${key}' as bool: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`
      : `'${key}' expected type 'bool', got unconvertible type '${goType(v)}'`);
    return fallback;
  }

  int(key: string, fallback = 0): number {
    const v = this.value(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "number" && Number.isInteger(v)) return v;
    if (typeof v === "string" && /^[-+]?\d+$/.test(v.trim())) return Number(v.trim());
    if (typeof v === "string" && v.trim() === "") return fallback;
    if (typeof v === "boolean") return v ? 1 : 0;
    this.decodeProblem(key, typeof v === "string"
      ? `cannot parse '${key}' as int: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`
      : `'${key}' expected type 'int', got unconvertible type '${goType(v)}'`);
    return fallback;
  }

  /** A Go uint: as int, but a string goes through strconv.ParseUint (no sign allowed). */
  uint(key: string, fallback = 0): number {
    const v = this.value(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === "number") return Math.trunc(v);
    if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
    if (typeof v === "string" && v === "") return fallback;
    if (typeof v === "boolean") return v ? 1 : 0;
    this.decodeProblem(key, typeof v === "string"
      ? `cannot parse '${key}' as uint: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`
      : `'${key}' expected type 'uint', got unconvertible type '${goType(v)}'`);
    return fallback;
  }

  /**
   * A Go duration string (`"5m"`, `"1h30m"`) in milliseconds. By default the key is a Go
   * time.Duration that mapstructure decodes (Packer says "error decoding"), as every duration key
   * of Packer 1.6.6's own components is; `parsing`: a string the plugin's Prepare parses ("error parsing").
   */
  duration(key: string, fallback: number, how: "parsing" | "decoding" = "decoding"): number {
    const v = this.value(key);
    if (v === undefined || v === null || v === "") return fallback;
    if (typeof v === "number") return v / 1e6; // Go decodes a bare number as nanoseconds
    try {
      return parseGoDuration(String(v));
    } catch (e) {
      if (!(e instanceof DurationSyntaxError)) throw e;
      this.decodeProblem(key, `error ${how} '${key}': ${e.message}`);
      return fallback;
    }
  }

  stringList(key: string): string[] {
    const v = this.value(key);
    if (v === undefined || v === null) return [];
    // Packer decodes with mapstructure's StringToSliceHookFunc(","): a lone string is split on commas.
    if (typeof v === "string") return v === "" ? [] : v.split(",");
    if (!Array.isArray(v)) {
      this.decodeProblem(key, `'${key}': source data must be an array or slice, got ${goType(v)}`);
      return [];
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      const s = weakString(item);
      if (s === undefined) this.decodeProblem(key, `'${key}[${i}]' expected type 'string', got unconvertible type '${goType(item)}'`);
      else out.push(s);
    });
    return out;
  }

  /** `[]int`, weakly typed like mapstructure: a lone value is a list of one, "3" is 3. */
  intList(key: string): number[] {
    const v = this.value(key);
    if (v === undefined || v === null) return [];
    const items = Array.isArray(v) ? v : [v];
    const out: number[] = [];
    items.forEach((item, i) => {
      const name = `${key}[${i}]`;
      if (typeof item === "number" && Number.isInteger(item)) out.push(item);
      else if (typeof item === "string" && /^[-+]?\d+$/.test(item.trim())) out.push(Number(item.trim()));
      else if (item === "") out.push(0);
      else if (typeof item === "boolean") out.push(item ? 1 : 0);
      // mapstructure's weak decodeInt: a string goes through strconv.ParseInt.
      else if (typeof item === "string") this.decodeProblem(key, `cannot parse '${name}' as int: strconv.ParseInt: parsing ${JSON.stringify(item)}: invalid syntax`);
      else this.decodeProblem(key, `'${name}' expected type 'int', got unconvertible type '${goType(item)}'`);
    });
    return out;
  }

  stringListList(key: string): string[][] {
    const v = this.value(key);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.decodeProblem(key, `'${key}': source data must be an array or slice, got ${goType(v)}`);
      return [];
    }
    return v.map((row, i) => {
      if (!Array.isArray(row)) {
        this.decodeProblem(key, `'${key}[${i}]': source data must be an array or slice, got ${goType(row)}`);
        return [];
      }
      return row.map((x) => weakString(x) ?? "");
    });
  }

  stringMap(key: string): Record<string, string> {
    const v = this.value(key);
    if (v === undefined || v === null) return {};
    // mapstructure's weak decoding merges a list of maps (`"tags": [{"Name": "x"}]`) into one.
    const maps = Array.isArray(v) ? v : [v];
    const out: Record<string, string> = {};
    for (const m of maps) {
      if (!m || typeof m !== "object" || Array.isArray(m)) {
        this.decodeProblem(key, `'${key}' expected a map, got '${goType(v)}'`);
        return {};
      }
      for (const [k, x] of Object.entries(m as Record<string, unknown>)) out[k] = weakString(x) ?? "";
    }
    return out;
  }

  /** Marks keys as known without reading them (kept for a later issue, accepted today). */
  accept(...keys: string[]): void {
    for (const k of keys) this.value(k);
  }

  /**
   * For a partial reader: checks a key the component reads itself (a list of structs, say)
   * against Packer's table as finish() checks unread ones — unknown nested keys, value types.
   */
  checkPackerType(key: string): void {
    const type = this.options.partial ? packerKeysOf(this.options.kind, this.raw.type)?.keys[key] : undefined;
    if (type === undefined || !this.has(key)) return;
    for (const p of checkValue(key, this.value(key), type, this.options.kind, this.raw.type)) this.decodeProblem(p.key, p.message);
  }

  /**
   * Reports keys that no one read (or, for a partial reader, checks them against Packer's table),
   * then throws if anything was wrong. As in Packer, where Prepare returns as soon as decoding
   * fails, an interpolation error hides decoding errors, and decoding errors hide the rules' (but
   * for `outer` ones, which Packer checks whatever the decoding gave).
   */
  finish(): void {
    const { kind } = this.options;
    if (this.options.nested) {
      for (const key of Object.keys(this.raw.config)) {
        if (this.read.has(key)) continue;
        // The message names the whole path already, as Packer's decoder does for nested keys.
        this.problems.push({ message: unusedKeyMessage(kind, this.raw.type, this.keyPath(key)), field: this.keyPath(key), position: this.positionOf(key), phase: "decode", ...this.prefix() });
      }
      return;
    }
    const known = this.options.partial ? packerKeysOf(kind, this.raw.type)?.keys : undefined;
    for (const key of Object.keys(this.raw.config)) {
      if (this.read.has(key) || PACKER_INTERNAL_KEYS.has(key)) continue;
      // The table's field this key sets, if no other key took that field first.
      const field = known === undefined ? undefined : Object.keys(known).find((f) => goEqualFold(key, f) && this.writtenKey(f) === key);
      if (field === undefined) {
        this.decodeProblem(key, unusedKeyMessage(kind, this.raw.type, key));
        continue;
      }
      for (const p of checkValue(field, this.value(field), known![field]!, kind, this.raw.type)) this.decodeProblem(p.key, p.message);
    }
    const interpolation = this.problems.filter((p) => p.phase === "interpolate");
    const decoding = this.problems.filter((p) => p.phase === "decode");
    const outer = this.problems.filter((p) => p.phase === "outer");
    const shown = interpolation.length > 0 ? [...interpolation, ...outer] : decoding.length > 0 ? [...decoding, ...outer] : this.problems;
    if (shown.length > 0) throw new ConfigErrors(shown);
  }
}

/** Keys Packer's core passes to every component (common.PackerConfig); components may read them. */
const PACKER_INTERNAL_KEYS = new Set([
  "packer_build_name", "packer_builder_type", "packer_core_version", "packer_debug", "packer_force",
  "packer_on_error", "packer_user_variables", "packer_sensitive_variables", "packer_template_path",
]);

/** The first string inside `v` that does not parse as a template, with its error. */
function firstInvalidString(v: unknown, ctx: InterpolationContext): { text: string; error: InterpolationError } | undefined {
  if (typeof v === "string") {
    try {
      validate(v, ctx);
      return undefined;
    } catch (e) {
      if (e instanceof InterpolationError) return { text: v, error: e };
      throw e;
    }
  }
  const items = Array.isArray(v) ? v : v && typeof v === "object" ? Object.values(v) : [];
  for (const item of items) {
    const bad = firstInvalidString(item, ctx);
    if (bad) return bad;
  }
  return undefined;
}

function renderDeep(v: unknown, ctx: InterpolationContext): unknown {
  if (typeof v === "string") return render(v, ctx);
  if (Array.isArray(v)) return v.map((x) => renderDeep(x, ctx));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = renderDeep(x, ctx);
    return out;
  }
  return v;
}

/** The first string inside a list or map that does not render. */
function firstUnrenderable(v: unknown, ctx: InterpolationContext): string | undefined {
  if (typeof v === "string") {
    try {
      render(v, ctx);
      return undefined;
    } catch (e) {
      if (e instanceof InterpolationError) return v;
      throw e;
    }
  }
  const items = Array.isArray(v) ? v : v && typeof v === "object" ? Object.values(v) : [];
  for (const item of items) {
    const found = firstUnrenderable(item, ctx);
    if (found !== undefined) return found;
  }
  return undefined;
}

function weakString(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "1" : "0";
  return undefined;
}

export function goType(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (Array.isArray(v)) return "slice";
  if (typeof v === "object") return "map";
  if (typeof v === "number") return Number.isInteger(v) ? "float64" : "float64";
  if (typeof v === "boolean") return "bool";
  return "string";
}
