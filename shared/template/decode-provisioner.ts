import type { JsonDocument, JsonNode } from "./json-document.js";
import { joinPath } from "./json-document.js";
import type { TemplateError } from "./errors.js";
import type { ProvisionerDecl } from "./model.js";
import { expectedMap } from "./decode-messages.js";
import { DecodeProblems, mapShape, weakDuration, weakString, weakStringList, type Decoded } from "./weak-decode.js";
import { componentConfig } from "./component-config.js";
import { foldedKey, foldedValue } from "./key-fold.js";

/** Keys every provisioner accepts, taken out of its own configuration. */
export const PROVISIONER_COMMON_KEYS = ["type", "only", "except", "override", "pause_before", "max_retries", "timeout"] as const;

/**
 * One provisioner object (also used for `error-cleanup-provisioner`). `label` prefixes messages
 * the way Packer does (`provisioner 2: …`). Returns the error instead when it cannot be decoded.
 */
export function decodeProvisioner(doc: JsonDocument, node: JsonNode, path: string, label: string): ProvisionerDecl | TemplateError {
  const prefix = label === "" ? "" : `${label}: `;
  const raw = doc.value(node);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return doc.error(`${prefix}Error decoding provisioner: ${expectedMap("", raw)}`, node, path);
  }
  const fields = raw as Record<string, unknown>;
  const keyNode = (key: string): JsonNode => doc.properties(node).find((p) => p.key === (foldedKey(fields, GO_FIELD_NAMES[key] ?? key) ?? key))?.keyNode ?? node;
  const problems = new DecodeProblems();
  const take = problems.take.bind(problems);
  // mapstructure names a field by its tag, or by its Go name where it has none (Type, Only, Except, Override,
  // Config): that name, spelt exactly, is the key it takes first ("Type" before "type"), then one in any case.
  const type = take("type", weakString("Type", foldedValue(fields, "Type")), "");
  const only = take("only", weakStringList("Only", foldedValue(fields, "Only")), []);
  const except = take("except", weakStringList("Except", foldedValue(fields, "Except")), []);
  const pauseBeforeMs = take("pause_before", weakDuration("pause_before", foldedValue(fields, "pause_before")), 0);
  const timeoutMs = take("timeout", weakDuration("timeout", foldedValue(fields, "timeout")), 0);
  const maxRetriesText = take("max_retries", weakString("max_retries", foldedValue(fields, "max_retries")), "");
  const override = take("override", decodeOverride(foldedValue(fields, "Override")), {});
  take("config", mapShape("Config", foldedValue(fields, "Config"), true), null);

  const badKey = problems.firstKey;
  if (badKey !== undefined) {
    return doc.error(`${prefix}Error decoding provisioner: ${problems.summary()}`, keyNode(badKey), joinPath(path, badKey));
  }
  if (type === "") return doc.error(`${prefix}Provisioner missing 'type'`, node, path);

  const decl: ProvisionerDecl = {
    type,
    raw: componentConfig(doc, node, type, PROVISIONER_COMMON_KEYS),
    only,
    except,
    override,
    pauseBeforeMs,
    maxRetries: isGoInt(maxRetriesText) ? Number(maxRetriesText) : 0,
    timeoutMs,
    position: doc.position(node),
  };
  // Packer interpolates max_retries when it sets the build up: keep the text when it is not a number yet.
  if (maxRetriesText !== "" && !isGoInt(maxRetriesText)) decl.maxRetriesText = maxRetriesText;
  return decl;
}

/** `override`: build name → keys to merge over the provisioner's configuration for that build. */
function decodeOverride(v: unknown): Decoded<Record<string, Record<string, unknown>>> {
  if (v === null || v === undefined) return { ok: true, value: {} };
  if (Array.isArray(v) && v.length === 0) return { ok: true, value: {} };
  if (typeof v !== "object" || Array.isArray(v)) return { ok: false, message: expectedMap("Override", v) };
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, keys] of Object.entries(v as Record<string, unknown>)) {
    if (keys === null || typeof keys !== "object" || Array.isArray(keys)) {
      return { ok: false, message: expectedMap(`Override[${name}]`, keys) };
    }
    out[name] = keys as Record<string, unknown>;
  }
  return { ok: true, value: out };
}

/** The untagged fields of Packer's Provisioner, by the key Kiln names them with. */
const GO_FIELD_NAMES: Record<string, string> = { type: "Type", only: "Only", except: "Except", override: "Override", config: "Config" };

/** What strconv.Atoi accepts. */
export function isGoInt(text: string): boolean {
  return /^[+-]?\d+$/.test(text);
}
