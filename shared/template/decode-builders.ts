import type { JsonDocument, JsonNode } from "./json-document.js";
import type { TemplateError } from "./errors.js";
import type { BuilderDecl } from "./model.js";
import { expectedMap } from "./decode-messages.js";
import { DecodeProblems, mapShape, weakString } from "./weak-decode.js";
import { componentConfig } from "./component-config.js";
import { foldedKey, foldedValue } from "./key-fold.js";

/**
 * `"builders": [...]`: each needs a `type`; `name` defaults to the type and must be unique
 * (compared before interpolation, as Packer does).
 */
export function decodeBuilders(doc: JsonDocument, node: JsonNode, errors: TemplateError[]): BuilderDecl[] {
  const out: BuilderDecl[] = [];
  const names = new Set<string>();
  (node.children ?? []).forEach((item, i) => {
    const label = `builder ${i + 1}`;
    const path = `builders[${i}]`;
    const raw = doc.value(item);
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      errors.push(doc.error(`${label}: ${expectedMap("", raw)}`, item, path));
      return;
    }
    const fields = raw as Record<string, unknown>;
    // Keys are looked up by the Go field's name (Builder's fields have no mapstructure tag), then in any case.
    const problems = new DecodeProblems();
    const type = problems.take("type", weakString("type", foldedValue(fields, "Type")), "");
    const name = problems.take("name", weakString("name", foldedValue(fields, "Name")), "");
    problems.take("config", mapShape("Config", foldedValue(fields, "Config"), true), null);
    if (problems.firstKey !== undefined) {
      errors.push(doc.error(`${label}: ${problems.summary()}`, item, `${path}.${problems.firstKey}`));
      return;
    }
    if (type === "") {
      errors.push(doc.error(`${label}: missing 'type'`, item, `${path}.type`));
      return;
    }
    const builderName = name === "" ? type : name;
    if (names.has(builderName)) {
      const keyed = foldedKey(fields, "Name") ?? foldedKey(fields, "Type") ?? "type";
      const keyNode = doc.properties(item).find((p) => p.key === keyed)?.keyNode ?? item;
      errors.push(doc.error(`${label}: builder with name '${builderName}' already exists`, keyNode, `${path}.${keyed}`));
      return;
    }
    names.add(builderName);
    out.push({
      name: builderName,
      type,
      raw: componentConfig(doc, item, type, ["name", "type"]),
      position: doc.position(item),
    });
  });
  return out;
}
