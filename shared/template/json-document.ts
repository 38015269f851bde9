import * as jsoncModule from "jsonc-parser";
import { findJsonSyntaxError } from "./json-syntax.js";
import { LineIndex } from "./line-index.js";
import { TemplateError, TemplateErrors, TemplateSyntaxError } from "./errors.js";
import { buildSyntaxExcerpt } from "./syntax-excerpt.js";
import type { SourcePosition } from "./position.js";

// Node loads jsonc-parser's UMD build as CommonJS (everything under `default`); the CLI bundle uses
// its ESM build (named exports). Accept both shapes.
const jsonc = (jsoncModule as unknown as { default?: typeof jsoncModule }).default ?? jsoncModule;

export type JsonNode = jsoncModule.Node;

export interface JsonProperty {
  key: string;
  keyNode: JsonNode;
  valueNode: JsonNode;
}

const UTF8_BOM = "\ufeff";

/**
 * A strictly parsed JSON file that still knows where each value was written. Syntax errors and
 * duplicate keys (at any depth) are rejected here, before anyone looks at the content.
 */
export class JsonDocument {
  private constructor(readonly root: JsonNode, readonly lines: LineIndex) {}

  /**
   * `file` is the name used in errors. A UTF-8 byte order mark is accepted (Packer 1.6.6 rejects
   * it: editors on Windows add one silently and the file is otherwise fine).
   */
  static parse(rawText: string, file: string): JsonDocument {
    const text = rawText.startsWith(UTF8_BOM) ? rawText.slice(1) : rawText;
    const lines = new LineIndex(text, file);
    const problem = findJsonSyntaxError(text);
    if (problem) {
      const at = lines.position(problem.index);
      throw new TemplateSyntaxError(
        `Error parsing JSON: ${problem.message}`,
        { file, line: at.line, column: at.column },
        problem.offset,
        buildSyntaxExcerpt(lines, at, problem.offset),
      );
    }
    const errors: jsoncModule.ParseError[] = [];
    const root = jsonc.parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
    if (!root || errors.length > 0) {
      // Go's grammar above accepted it, so this is a disagreement between the two parsers.
      const first = errors[0];
      const at = lines.position(first?.offset ?? 0);
      throw new TemplateError(`Error parsing JSON: ${first ? jsonc.printParseErrorCode(first.error) : "no value"}`, {
        file,
        line: at.line,
        column: at.column,
      });
    }
    const doc = new JsonDocument(root, lines);
    doc.rejectDuplicateKeys();
    return doc;
  }

  get file(): string {
    return this.lines.file;
  }

  position(node: JsonNode): SourcePosition {
    return this.lines.position(node.offset);
  }

  error(message: string, node: JsonNode | undefined, field: string | undefined): TemplateError {
    const at = node ? this.position(node) : undefined;
    return new TemplateError(message, { file: this.file, line: at?.line, column: at?.column, field });
  }

  /** Plain JSON value of a node. */
  value(node: JsonNode): unknown {
    return jsonc.getNodeValue(node);
  }

  properties(node: JsonNode): JsonProperty[] {
    if (node.type !== "object") return [];
    const out: JsonProperty[] = [];
    for (const prop of node.children ?? []) {
      const [keyNode, valueNode] = prop.children ?? [];
      if (keyNode && valueNode) out.push({ key: String(keyNode.value), keyNode, valueNode });
    }
    return out;
  }

  /** Positions of each key of an object, for RawComponent.keyPositions. */
  keyPositions(node: JsonNode): Record<string, SourcePosition> {
    const out: Record<string, SourcePosition> = {};
    for (const p of this.properties(node)) out[p.key] = this.position(p.keyNode);
    return out;
  }

  private rejectDuplicateKeys(): void {
    const found: TemplateError[] = [];
    const walk = (node: JsonNode, path: string): void => {
      if (node.type === "object") {
        const seen = new Set<string>();
        for (const p of this.properties(node)) {
          const childPath = joinPath(path, p.key);
          if (seen.has(p.key)) found.push(this.error(`template has duplicate field: ${p.key}`, p.keyNode, childPath));
          seen.add(p.key);
          walk(p.valueNode, childPath);
        }
      } else if (node.type === "array") {
        (node.children ?? []).forEach((child, i) => walk(child, `${path}[${i}]`));
      }
    };
    walk(this.root, "");
    // Packer stops at the first duplicate; we list them all, in file order.
    if (found.length === 1) throw found[0];
    if (found.length > 1) throw new TemplateErrors(found, "list");
  }
}

/** `a.b`, or `a["x.y"]` when the key is not a plain name. */
export function joinPath(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}
