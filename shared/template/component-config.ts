import type { JsonDocument, JsonNode } from "./json-document.js";
import type { RawComponent } from "../components/raw-component.js";

/**
 * A component's own configuration: its object without the keys the template layer takes out
 * (`type`, `name`, `only`, …), with the position of the object and of every remaining key.
 */
export function componentConfig(doc: JsonDocument, node: JsonNode, type: string, commonKeys: readonly string[]): RawComponent {
  const config: Record<string, unknown> = {};
  const keyPositions = doc.keyPositions(node);
  for (const p of doc.properties(node)) {
    if (commonKeys.includes(p.key)) {
      delete keyPositions[p.key];
      continue;
    }
    // defineProperty, not assignment: a key named `__proto__` must stay a plain key.
    Object.defineProperty(config, p.key, { value: doc.value(p.valueNode), enumerable: true, writable: true, configurable: true });
  }
  return { type, config, position: doc.position(node), keyPositions };
}
