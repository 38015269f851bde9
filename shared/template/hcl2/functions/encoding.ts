/**
 * Encodings: base64 (Go's strict StdEncoding), base64gzip, text{en,de}codebase64 with IANA
 * names, urlencode (Go's url.QueryEscape), JSON, YAML (through the `yaml` package, with
 * go-cty-yaml's type rules) and CSV (Go's encoding/csv rules, csv-records.ts).
 */
import { gzipSync } from "node:zlib";
import { Document, isAlias, isMap, isScalar, isSeq, parseAllDocuments, visit, type Node as YamlNode, type Scalar } from "yaml";
import type { HclFunction, Value } from "../contract.js";
import { readCsvRecords } from "./csv-records.js";
import { defineFunction, fail } from "./function-spec.js";
import { decodeJson } from "./json-decoding.js";
import { boolVal, compareKeys, dynamicType, encodeJson, JsonEncodeError, listVal, nullVal, numberToString, numberVal, objectVal, stringType, stringVal, tupleVal } from "../value/index.js";

const text = (v: Value | undefined): string => (v as { value: string }).value;

/** Go's base64.StdEncoding.DecodeString: padded, standard alphabet; CR and LF are ignored. */
export function decodeBase64Strict(s: string): Buffer | undefined {
  const clean = s.replace(/[\r\n]/g, "");
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(={0,2})$/.test(clean)) return undefined;
  return Buffer.from(clean, "base64");
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The IANA names and aliases Node can encode and decode, to Node's names. */
function ianaEncoding(name: string): string | undefined {
  const n = name.toLowerCase().replace(/_/g, "-");
  if (["utf-8", "utf8", "csutf8"].includes(n)) return "utf-8";
  if (["utf-16le", "csutf16le"].includes(n)) return "utf-16le";
  if (["utf-16be", "csutf16be"].includes(n)) return "utf-16be";
  if (["utf-16", "csutf16"].includes(n)) return "utf-16be";
  if (["iso-8859-1", "iso8859-1", "latin1", "l1", "iso-ir-100", "csisolatin1", "ibm819", "cp819", "iso-8859-1:1987"].includes(n)) return "latin1";
  if (["us-ascii", "ascii", "iso646-us", "csascii", "us", "ansi-x3.4-1968", "cp367", "ibm367"].includes(n)) return "ascii";
  return undefined;
}

function encodeText(s: string, enc: string): Buffer | undefined {
  if (enc === "utf-8") return Buffer.from(s, "utf8");
  if (enc === "utf-16le") return Buffer.from(s, "utf16le");
  if (enc === "utf-16be") return Buffer.from(s, "utf16le").swap16();
  const max = enc === "ascii" ? 0x7f : 0xff;
  if ([...s].some((c) => c.codePointAt(0)! > max)) return undefined;
  return Buffer.from(s, "latin1");
}

function decodeText(b: Buffer, enc: string): string | undefined {
  if (enc === "utf-8") return decodeUtf8(b);
  if (enc === "utf-16le" || enc === "utf-16be") {
    if (b.length % 2 !== 0) return undefined;
    return (enc === "utf-16be" ? Buffer.from(b).swap16() : b).toString("utf16le");
  }
  if (enc === "ascii" && b.some((x) => x > 0x7f)) return undefined;
  return b.toString("latin1");
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = "";
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

// --- YAML, as go-cty-yaml maps it: mappings → object, sequences → tuple, plain scalars resolved
// by go-cty-yaml's own table (YAML 1.1 booleans and nulls, decimal numbers only), quoted → string.

const YAML_CONSTANTS: Record<string, Value> = {};
for (const w of ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) YAML_CONSTANTS[w] = boolVal(true);
for (const w of ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) YAML_CONSTANTS[w] = boolVal(false);
for (const w of ["", "~", "null", "Null", "NULL"]) YAML_CONSTANTS[w] = nullVal(dynamicType);

/** cty.ParseNumberVal: Go's big.ParseFloat in base 10. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function resolveYamlScalar(node: Scalar): Value {
  const src = String(node.value ?? "");
  const tag = node.tag;
  if (tag === "tag:yaml.org,2002:str" || tag === "tag:yaml.org,2002:binary") return stringVal(src);
  if (node.type !== "PLAIN") return stringVal(src);
  const hint = src === "" ? "N" : src[0]!;
  if (/[+\-0-9yYnNtTfFoO~.]/.test(hint) || src === "") {
    if (src in YAML_CONSTANTS) return YAML_CONSTANTS[src]!;
    if ([".nan", ".NaN", ".NAN"].includes(src)) fail("floating point NaN is not supported");
    if ([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].includes(src)) return numberVal(Infinity);
    if (["-.inf", "-.Inf", "-.INF"].includes(src)) return numberVal(-Infinity);
    if (hint === "." && DECIMAL.test(src)) return numberVal(Number(src));
    if (/[+\-0-9]/.test(hint)) {
      const time = yamlTimestamp(src);
      if (time !== undefined) return stringVal(time);
      const plain = src.replaceAll("_", "");
      if (DECIMAL.test(plain)) return numberVal(Number(plain));
    }
  }
  return stringVal(src);
}

/** go-yaml's timestamp forms (YAML 1.1), printed as RFC 3339 in their own offset without fractions. */
function yamlTimestamp(src: string): string | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]| )(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(src);
  if (!m) return undefined;
  const p2 = (x: string | undefined): string => (x ?? "0").padStart(2, "0");
  const zone = m[7] === undefined || m[7] === "Z" || m[7] === "+00:00" || m[7] === "-00:00" ? "Z" : m[7];
  return `${m[1]}-${p2(m[2])}-${p2(m[3])}T${p2(m[4])}:${p2(m[5])}:${p2(m[6])}${zone}`;
}

function fromYamlNode(node: YamlNode | null | undefined, doc: Document.Parsed): Value {
  if (node === null || node === undefined) return nullVal(dynamicType);
  if (isAlias(node)) return fromYamlNode(node.resolve(doc) as YamlNode | undefined, doc);
  if (isMap(node)) {
    const attrs = new Map<string, Value>();
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null;
      const k = isScalar(key) ? String(key.value ?? "") : String(key);
      attrs.set(k, fromYamlNode(pair.value as YamlNode | null, doc));
    }
    return objectVal(attrs);
  }
  if (isSeq(node)) return tupleVal(node.items.map((i) => fromYamlNode(i as YamlNode | null, doc)));
  if (isScalar(node)) return resolveYamlScalar(node);
  return stringVal(String(node));
}

function toYamlJs(v: Value): unknown {
  switch (v.kind) {
    case "null":
      return null;
    case "unknown":
      return fail("value is not known");
    case "string":
    case "bool":
      return v.value;
    case "number":
      return Number.isInteger(v.value) ? v.value : Number(numberToString(v.value));
    case "list":
    case "set":
    case "tuple":
      return v.items.map(toYamlJs);
    case "map":
    case "object": {
      const o: Record<string, unknown> = {};
      for (const k of [...v.attrs.keys()].sort(compareKeys)) o[k] = toYamlJs(v.attrs.get(k)!);
      return o;
    }
  }
}

/** cty's json.Marshal through the value room, its errors as function errors. */
export function jsonText(v: Value): string {
  try {
    return encodeJson(v);
  } catch (e) {
    if (e instanceof JsonEncodeError) fail(e.message);
    throw e;
  }
}

export const encodingFunctions: Record<string, HclFunction> = {
  base64encode: defineFunction({ params: [{ name: "str", type: stringType }], returnType: stringType, impl: ([s]) => stringVal(Buffer.from(text(s), "utf8").toString("base64")) }),
  base64decode: defineFunction({
    params: [{ name: "str", type: stringType }],
    returnType: stringType,
    impl([s]) {
      const bytes = decodeBase64Strict(text(s));
      if (!bytes) fail(`failed to decode base64 data '${text(s)}'`);
      const out = decodeUtf8(bytes);
      if (out === undefined) fail("the result of decoding the the provided string is not valid UTF-8");
      return stringVal(out);
    },
  }),
  base64gzip: defineFunction({
    params: [{ name: "str", type: stringType }],
    returnType: stringType,
    impl([s]) {
      const gz = gzipSync(Buffer.from(text(s), "utf8"));
      // Go's gzip.Writer writes OS "unknown" (255) in the header; zlib writes its own OS code.
      // (The deflate stream itself may differ from Go's; any gzip reader gives the same text back.)
      gz[9] = 255;
      return stringVal(gz.toString("base64"));
    },
  }),
  textencodebase64: defineFunction({
    params: [
      { name: "string", type: stringType },
      { name: "encoding", type: stringType },
    ],
    returnType: stringType,
    impl([s, e]) {
      const enc = ianaEncoding(text(e));
      if (!enc) fail(`${JSON.stringify(text(e))} is not a supported IANA encoding name or alias`, 1);
      const bytes = encodeText(text(s), enc);
      if (!bytes) fail(`the given string contains characters that cannot be represented in ${text(e)}`, 0);
      return stringVal(bytes.toString("base64"));
    },
  }),
  textdecodebase64: defineFunction({
    params: [
      { name: "source", type: stringType },
      { name: "encoding", type: stringType },
    ],
    returnType: stringType,
    impl([s, e]) {
      const enc = ianaEncoding(text(e));
      if (!enc) fail(`${JSON.stringify(text(e))} is not a supported IANA encoding name or alias`, 1);
      const bytes = decodeBase64Strict(text(s));
      if (!bytes) {
        const bad = text(s).search(/[^A-Za-z0-9+/=\r\n]/);
        fail(`the given value is has an invalid base64 symbol at offset ${bad < 0 ? text(s).length : bad}`, 0);
      }
      const out = decodeText(bytes, enc);
      if (out === undefined) fail(`the given string contains symbols that are not defined for ${text(e)}`, 0);
      return stringVal(out);
    },
  }),
  urlencode: defineFunction({ params: [{ name: "str", type: stringType }], returnType: stringType, impl: ([s]) => stringVal(queryEscape(text(s))) }),
  jsonencode: defineFunction({ params: [{ name: "val", type: dynamicType }], returnType: stringType, impl: ([v]) => stringVal(jsonText(v!)) }),
  jsondecode: defineFunction({ params: [{ name: "str", type: stringType }], impl: ([s]) => decodeJson(text(s)) }),
  yamlencode: defineFunction({
    params: [{ name: "value", type: dynamicType, allowNull: true }],
    returnType: stringType,
    impl([v]) {
      // go-cty-yaml: strings double-quoted (literal block style when multi-line), block collections.
      const doc = new Document(toYamlJs(v!));
      visit(doc, {
        Scalar(_key, node) {
          if (typeof node.value === "string") node.type = node.value.includes("\n") ? "BLOCK_LITERAL" : "QUOTE_DOUBLE";
        },
      });
      return stringVal(doc.toString({ indentSeq: false, lineWidth: 0, nullStr: "null" }));
    },
  }),
  yamldecode: defineFunction({
    params: [{ name: "src", type: stringType }],
    impl([s]) {
      const docs = parseAllDocuments(text(s), { schema: "failsafe" });
      const all = Array.isArray(docs) ? docs : [];
      const doc = all[0];
      // go-cty-yaml wants a document: an empty source (or only comments) is an error.
      if (!doc || (doc.contents === null && !/^---/m.test(text(s)))) fail("on line 1, column 1: missing start of document");
      if (doc.errors.length > 0) fail(`on line ${doc.errors[0]!.linePos?.[0].line ?? 1}, column ${doc.errors[0]!.linePos?.[0].col ?? 1}: ${doc.errors[0]!.message.split("\n")[0]}`);
      if (all.length > 1) {
        // go-cty-yaml reads one document, and reports where the first one's value starts.
        const at = doc.contents?.range?.[0] ?? 0;
        const before = text(s).slice(0, at).split("\n");
        fail(`on line ${before.length}, column ${before[before.length - 1]!.length + 1}: unexpected extra content after value`);
      }
      return fromYamlNode(doc.contents as YamlNode | null, doc);
    },
  }),
  csvdecode: defineFunction({
    params: [{ name: "str", type: stringType }],
    impl([s]) {
      const rows = readCsvRecords(text(s));
      if (rows.length === 0) fail("missing header line");
      const header = rows[0]!;
      const seen = new Set<string>();
      for (const h of header) {
        if (seen.has(h)) fail(`duplicate column name ${JSON.stringify(h)}`);
        seen.add(h);
      }
      const type = { kind: "object" as const, attributes: Object.fromEntries(header.map((h) => [h, stringType])) };
      return listVal(rows.slice(1).map((r) => objectVal(new Map(header.map((h, i) => [h, stringVal(r[i] ?? "")])))), type);
    },
  }),
};

