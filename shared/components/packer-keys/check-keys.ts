/**
 * Packer's decoder, from its key tables: which keys a component type accepts, whether an unknown
 * key is one `packer fix` knows (then Packer says "Deprecated configuration key" and to run fix),
 * and whether a value can be decoded into the key's Go type the way mapstructure's weak decoding
 * does ("3" is an int, a lone string is a list of one, a list of maps is merged into a map).
 */
import type { ComponentKind } from "../types.js";
import { TABLES } from "./keys.generated.js";
import type { KeyType, PackerComponentKeys } from "./types.js";
import { foldedKey, goEqualFold } from "../../template/key-fold.js";

export function packerKeysOf(kind: ComponentKind, type: string): PackerComponentKeys | undefined {
  return TABLES.components[kind][type];
}

/** go-glob's match: `*` stands for any run of characters, nothing else is special. */
function globMatches(pattern: string, subject: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(subject);
}

/** True when Packer 1.6.6 would call this unknown key deprecated (fixable) for the plugin. */
export function isDeprecatedKey(kind: ComponentKind, type: string, key: string): boolean {
  const pluginType = packerKeysOf(kind, type)?.pluginType;
  if (!pluginType) return false;
  return Object.entries(TABLES.deprecated).some(([glob, keys]) => globMatches(glob, pluginType) && keys.includes(key));
}

/** Packer's words for a key its decoder did not use. */
export function unusedKeyMessage(kind: ComponentKind, type: string, key: string): string {
  if (isDeprecatedKey(kind, type, key.split(/[.[]/)[0])) {
    return `Deprecated configuration key: '${key}'. Please call \`packer fix\` against your template to update your template to be compatible with the current version of Packer. Visit https://www.packer.io/docs/commands/fix/ for more detail.`;
  }
  return `unknown configuration key: '"${key}"'`;
}

/**
 * A value of a struct type (or a list of structs) with each key the struct has written as the
 * struct names it, as mapstructure finds it ("Device_Name" is device_name, unless device_name is
 * there too); other keys stay as written, for the decoder's checks to call unknown.
 */
export function withStructKeys(value: unknown, type: KeyType): unknown {
  const list = /^\[(@.+)\]$/.exec(type);
  if (list) return Array.isArray(value) ? value.map((item) => withStructKeys(item, list[1]!)) : value;
  const fields = type.startsWith("@") ? TABLES.structs[type.slice(1)] : undefined;
  if (!fields || !value || typeof value !== "object" || Array.isArray(value)) return value;
  const given = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(given)) {
    const field = Object.keys(fields).find((f) => goEqualFold(k, f) && foldedKey(given, f) === k);
    Object.defineProperty(out, field ?? k, { value: field ? withStructKeys(x, fields[field]!) : x, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** One problem the decoder found inside a value: the dotted key path and the message. */
export interface DecodeProblem {
  key: string;
  message: string;
}

/** Checks an (interpolated) value against its Go type; returns what mapstructure would complain about. */
export function checkValue(key: string, value: unknown, type: KeyType, kind: ComponentKind, componentType: string): DecodeProblem[] {
  const out: DecodeProblem[] = [];
  check(key, value, type);
  return out;

  function check(path: string, v: unknown, t: KeyType): void {
    if (v === null || v === undefined || t === "*") return;
    if (t.startsWith("[")) {
      const inner = t.slice(1, -1);
      if (Array.isArray(v)) v.forEach((x, i) => check(`${path}[${i}]`, x, inner));
      else if (typeof v === "object") out.push({ key: path, message: `'${path}': source data must be an array or slice, got map` });
      else if (inner === "s" && typeof v === "string") return; // StringToSliceHookFunc(",")
      else check(`${path}[0]`, v, inner); // weak decoding wraps a lone value
      return;
    }
    if (t.startsWith("{")) {
      const inner = t.slice(1, -1);
      const maps = Array.isArray(v) ? v : [v]; // weak decoding merges a list of maps
      if (Array.isArray(v) && v.length === 0) return;
      for (const m of maps) {
        if (!m || typeof m !== "object" || Array.isArray(m)) {
          out.push({ key: path, message: `'${path}' expected a map, got '${goKind(v)}'` });
          return;
        }
        for (const [k, x] of Object.entries(m as Record<string, unknown>)) check(`${path}[${k}]`, x, inner);
      }
      return;
    }
    if (t.startsWith("@")) {
      const fields = TABLES.structs[t.slice(1)];
      if (!fields) return;
      // An HCL2 block arrives as a list of one map (see ConfigReader.asSingleStruct).
      if (Array.isArray(v) && v.length > 0 && v.every((m) => m !== null && typeof m === "object" && !Array.isArray(m))) v = Object.assign({}, ...(v as object[]));
      if (typeof v !== "object" || Array.isArray(v)) {
        out.push({ key: path, message: `'${path}' expected a map, got '${goKind(v)}'` });
        return;
      }
      const given = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(given)) {
        // mapstructure matches a struct's keys as it does the top level's: exact, else but for case.
        const field = Object.keys(fields).find((f) => goEqualFold(k, f) && foldedKey(given, f) === k);
        if (field === undefined) out.push({ key: `${path}.${k}`, message: unusedKeyMessage(kind, componentType, `${path}.${k}`) });
        else check(`${path}.${field}`, x, fields[field]!);
      }
      return;
    }
    const scalar = scalarProblem(path, v, t);
    if (scalar) out.push({ key: path, message: scalar });
  }
}

function scalarProblem(path: string, v: unknown, t: KeyType): string | undefined {
  const weakString = typeof v === "string" || typeof v === "number" || typeof v === "boolean";
  switch (t) {
    case "s":
      return weakString ? undefined : `'${path}' expected type 'string', got unconvertible type '${goKind(v)}'`;
    case "b":
      if (typeof v === "boolean" || typeof v === "number") return undefined;
      if (typeof v === "string" && (v === "" || ["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"].includes(v))) return undefined;
      if (typeof v === "string") return `cannot parse '${path}' as bool: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`;
      return `'${path}' expected type 'bool', got unconvertible type '${goKind(v)}'`;
    case "i":
      if (typeof v === "number" || typeof v === "boolean") return undefined;
      if (typeof v === "string" && (v === "" || /^[-+]?(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(v))) return undefined;
      if (typeof v === "string") return `cannot parse '${path}' as int: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`;
      return `'${path}' expected type 'int', got unconvertible type '${goKind(v)}'`;
    case "u":
      // Weak decoding casts any number (a negative one too); a string goes through strconv.ParseUint, base 0.
      if (typeof v === "number" || typeof v === "boolean") return undefined;
      if (typeof v === "string" && (v === "" || /^(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(v))) return undefined;
      if (typeof v === "string") return `cannot parse '${path}' as uint: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`;
      return `'${path}' expected type 'uint', got unconvertible type '${goKind(v)}'`;
    case "f":
      if (typeof v === "number" || typeof v === "boolean") return undefined;
      if (typeof v === "string" && (v === "" || Number.isFinite(Number(v)))) return undefined;
      if (typeof v === "string") return `cannot parse '${path}' as float: strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`;
      return `'${path}' expected type 'float64', got unconvertible type '${goKind(v)}'`;
    default:
      return undefined;
  }
}

function goKind(v: unknown): string {
  if (Array.isArray(v)) return "[]interface {}";
  if (v && typeof v === "object") return "map[string]interface {}";
  if (typeof v === "number") return "float64";
  if (typeof v === "boolean") return "bool";
  return "string";
}
