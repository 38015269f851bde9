import type { JsonDocument, JsonNode } from "./json-document.js";
import { joinPath } from "./json-document.js";
import type { TemplateError } from "./errors.js";
import type { VariableDecl } from "./model.js";
import { unconvertible } from "./decode-messages.js";

/**
 * `"variables": {name: default}`. A null default makes the variable required; any other
 * non-string default is an error (Packer decodes defaults strictly, so `3` and `true` are refused).
 */
export function decodeVariables(doc: JsonDocument, node: JsonNode, errors: TemplateError[]): VariableDecl[] {
  const out: VariableDecl[] = [];
  for (const p of doc.properties(node)) {
    const value = doc.value(p.valueNode);
    const position = doc.position(p.keyNode);
    if (value === null) {
      out.push({ name: p.key, required: true, position });
    } else if (typeof value === "string") {
      out.push({ name: p.key, default: value, required: false, position });
    } else {
      const field = joinPath("variables", p.key);
      errors.push(doc.error(`variable ${p.key}: ${unconvertible("", "string", value)}`, p.valueNode, field));
    }
  }
  return out;
}

/** `"sensitive-variables"`: only names that are declared count, as in Packer. */
export function decodeSensitiveVariables(names: readonly string[], variables: readonly VariableDecl[]): string[] {
  const declared = new Set(variables.map((v) => v.name));
  return [...new Set(names)].filter((n) => declared.has(n));
}
