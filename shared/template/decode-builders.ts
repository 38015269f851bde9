import type { JsonDocument, JsonNode } from "./json-document.js";
import type { TemplateError } from "./errors.js";
import type { BuilderDecl } from "./model.js";
import { expectedMap } from "./decode-messages.js";
import { weakString } from "./weak-decode.js";
import { componentConfig } from "./component-config.js";

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
    const type = weakString("type", fields.type);
    const name = weakString("name", fields.name);
    const bad = [type, name].flatMap((d) => (d.ok ? [] : [d.message]));
    if (bad.length > 0 || !type.ok || !name.ok) {
      errors.push(doc.error(`${label}: ${bad.length} error(s) decoding:\n\n${bad.map((m) => `* ${m}`).join("\n")}`, item, path));
      return;
    }
    if (type.value === "") {
      errors.push(doc.error(`${label}: missing 'type'`, item, `${path}.type`));
      return;
    }
    const builderName = name.value === "" ? type.value : name.value;
    if (names.has(builderName)) {
      const keyed = "name" in fields ? "name" : "type";
      const keyNode = doc.properties(item).find((p) => p.key === keyed)?.keyNode ?? item;
      errors.push(doc.error(`${label}: builder with name '${builderName}' already exists`, keyNode, `${path}.${keyed}`));
      return;
    }
    names.add(builderName);
    out.push({
      name: builderName,
      type: type.value,
      raw: componentConfig(doc, item, type.value, ["name", "type"]),
      position: doc.position(item),
    });
  });
  return out;
}
