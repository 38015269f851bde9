import type { JsonDocument, JsonNode } from "./json-document.js";
import type { TemplateError } from "./errors.js";
import type { PostProcessorDecl } from "./model.js";
import { unconvertible } from "./decode-messages.js";
import { DecodeProblems, mapShape, strictStringList, type Decoded } from "./weak-decode.js";
import { componentConfig } from "./component-config.js";
import { foldedKey, foldedValue } from "./key-fold.js";

/** Keys every post-processor accepts, taken out of its own configuration. */
export const POST_PROCESSOR_COMMON_KEYS = ["type", "name", "only", "except", "keep_input_artifact"] as const;

/**
 * `"post-processors"`: each entry is a type name, an object, or an array of those (a chain whose
 * members each work on the previous one's artifact). A chain inside a chain is an error.
 */
export function decodePostProcessors(doc: JsonDocument, node: JsonNode, errors: TemplateError[]): PostProcessorDecl[][] {
  const chains: PostProcessorDecl[][] = [];
  (node.children ?? []).forEach((entry, i) => {
    const members = chainMembers(doc, entry, i, errors);
    if (!members) return;
    const chain: PostProcessorDecl[] = [];
    members.forEach((member, j) => {
      const decoded = decodePostProcessor(doc, member, entry.type === "array" ? `post-processors[${i}][${j}]` : `post-processors[${i}]`, `post-processor ${i + 1}.${j + 1}`);
      if ("raw" in decoded) chain.push(decoded);
      else errors.push(decoded);
    });
    if (chain.length === members.length) chains.push(chain);
  });
  return chains;
}

function chainMembers(doc: JsonDocument, entry: JsonNode, i: number, errors: TemplateError[]): JsonNode[] | undefined {
  if (entry.type === "string" || entry.type === "object") return [entry];
  if (entry.type !== "array") {
    errors.push(doc.error(`post-processor ${i + 1}: bad format`, entry, `post-processors[${i}]`));
    return undefined;
  }
  let ok = true;
  (entry.children ?? []).forEach((member, j) => {
    if (member.type === "string" || member.type === "object") return;
    ok = false;
    const what = member.type === "array" ? "sequence not allowed to be nested in a sequence" : "unknown format";
    errors.push(doc.error(`post-processor ${i + 1}.${j + 1}: ${what}`, member, `post-processors[${i}][${j}]`));
  });
  return ok ? (entry.children ?? []) : undefined;
}

function decodePostProcessor(doc: JsonDocument, node: JsonNode, path: string, label: string): PostProcessorDecl | TemplateError {
  if (node.type === "string") {
    const type = String(doc.value(node));
    if (type === "") return doc.error(`${label}: type is required`, node, path);
    return { type, name: type, raw: { type, config: {}, position: doc.position(node), keyPositions: {} }, only: [], except: [], position: doc.position(node) };
  }
  const fields = doc.value(node) as Record<string, unknown>;
  const keyNode = (key: string): JsonNode => doc.properties(node).find((p) => p.key === (foldedKey(fields, GO_FIELD_NAMES[key] ?? key) ?? key))?.keyNode ?? node;
  const problems = new DecodeProblems();
  const take = problems.take.bind(problems);
  // mapstructure names a field by its tag, or by its Go name where it has none (Type, Name, Only, Except,
  // Config): that name, spelt exactly, is the key it takes first, then one in any case.
  const type = take("type", strictString("Type", foldedValue(fields, "Type")), "");
  const name = take("name", strictString("Name", foldedValue(fields, "Name")), "");
  const only = take("only", strictStringList("Only", foldedValue(fields, "Only")), []);
  const except = take("except", strictStringList("Except", foldedValue(fields, "Except")), []);
  take("config", mapShape("Config", foldedValue(fields, "Config"), false), null);
  const keep = take("keep_input_artifact", strictOptionalBool("keep_input_artifact", foldedValue(fields, "keep_input_artifact")), undefined);
  const badKey = problems.firstKey;
  if (badKey !== undefined) return doc.error(`${label}: ${problems.summary()}`, keyNode(badKey), `${path}.${badKey}`);
  if (type === "") return doc.error(`${label}: type is required`, node, path);
  const decl: PostProcessorDecl = {
    type,
    name: name === "" ? type : name,
    raw: componentConfig(doc, node, type, POST_PROCESSOR_COMMON_KEYS),
    only,
    except,
    position: doc.position(node),
  };
  if (keep !== undefined) decl.keepInputArtifact = keep;
  return decl;
}

/** The untagged fields of Packer's PostProcessor, by the key Kiln names them with. */
const GO_FIELD_NAMES: Record<string, string> = { type: "Type", name: "Name", only: "Only", except: "Except", config: "Config" };

function strictString(name: string, v: unknown): Decoded<string> {
  if (v === null || v === undefined) return { ok: true, value: "" };
  if (typeof v === "string") return { ok: true, value: v };
  return { ok: false, message: unconvertible(name, "string", v) };
}

function strictOptionalBool(name: string, v: unknown): Decoded<boolean | undefined> {
  if (v === null || v === undefined) return { ok: true, value: undefined };
  if (typeof v === "boolean") return { ok: true, value: v };
  return { ok: false, message: unconvertible(name, "bool", v) };
}
