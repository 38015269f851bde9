import { errorMessage } from "../error-message.js";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { JsonDocument, type JsonNode, type JsonProperty } from "./json-document.js";
import { TemplateError, TemplateErrors } from "./errors.js";
import type { ProvisionerDecl, Template } from "./model.js";
import { expectedMap, expectedSlice, goKind, unconvertible } from "./decode-messages.js";
import { strictStringList } from "./weak-decode.js";
import { decodeSensitiveVariables, decodeVariables } from "./decode-variables.js";
import { decodeBuilders } from "./decode-builders.js";
import { decodeProvisioner } from "./decode-provisioner.js";
import { decodePostProcessors } from "./decode-post-processors.js";
import { goEqualFold } from "./key-fold.js";

/**
 * Reads and parses a JSON template. `displayPath` (default: `path` as given) is the name used in
 * errors and positions; `Template.file` is absolute.
 */
export function loadTemplate(path: string, displayPath: string = path): Template {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new TemplateError(`${describeReadError(e, displayPath)}: check the template path`, { file: displayPath });
  }
  return parseTemplate(new TextDecoder("utf-8").decode(bytes), resolve(path), displayPath);
}

/** The root keys Packer's decoder knows, with the name its messages use for each. */
const ROOT_FIELDS = {
  min_packer_version: "min_packer_version",
  description: "Description",
  builders: "builders",
  comments: "Comments",
  push: "Push",
  "post-processors": "post-processors",
  provisioners: "Provisioners",
  "error-cleanup-provisioner": "error-cleanup-provisioner",
  variables: "Variables",
  "sensitive-variables": "sensitive-variables",
} as const;
type RootField = keyof typeof ROOT_FIELDS;

/**
 * Parses template text as Packer 1.6.6's `validate -syntax-only` does: JSON syntax, duplicate
 * keys, root key names and types, then each section. Every problem of a stage is reported
 * together; a stage with problems stops the parse. Throws TemplateError (or TemplateErrors).
 */
export function parseTemplate(text: string, file: string, displayPath: string): Template {
  const doc = JsonDocument.parse(text, displayPath);
  const template: Template = {
    file,
    displayPath,
    variables: [],
    sensitiveVariables: [],
    builders: [],
    provisioners: [],
    postProcessors: [],
  };
  const root = doc.root;
  if (root.type === "null") return template;
  if (root.type !== "object") throw doc.error(expectedMap("", doc.value(root)), root, "");

  template.keyPositions = doc.keyPositions(root);
  const fields = pickRootFields(doc, root);
  rejectUnknownRootKeys(doc, root, fields);

  const errors: TemplateError[] = [];
  const node = (k: RootField): JsonNode | undefined => {
    const n = fields.get(k)?.valueNode;
    return n && n.type !== "null" ? n : undefined;
  };
  const minVersion = node("min_packer_version");
  if (minVersion) template.minPackerVersion = String(doc.value(minVersion));
  const description = node("description");
  if (description) template.description = String(doc.value(description));

  const variables = node("variables");
  if (variables) template.variables = decodeVariables(doc, variables, errors);
  const sensitive = node("sensitive-variables");
  if (sensitive) {
    const names = strictStringList("sensitive-variables", doc.value(sensitive));
    template.sensitiveVariables = decodeSensitiveVariables(names.ok ? names.value : [], template.variables);
  }
  const builders = node("builders");
  if (builders) template.builders = decodeBuilders(doc, builders, errors);
  const postProcessors = node("post-processors");
  if (postProcessors) template.postProcessors = decodePostProcessors(doc, postProcessors, errors);
  const provisioners = node("provisioners");
  if (provisioners) {
    (provisioners.children ?? []).forEach((item, i) => {
      const p = decodeProvisioner(doc, item, `provisioners[${i}]`, `provisioner ${i + 1}`);
      if (p instanceof TemplateError) errors.push(p);
      else template.provisioners.push(p);
    });
  }
  const cleanup = node("error-cleanup-provisioner");
  if (cleanup) {
    const p: ProvisionerDecl | TemplateError = decodeProvisioner(doc, cleanup, "error-cleanup-provisioner", "");
    if (p instanceof TemplateError) {
      errors.push(new TemplateError(`On Error Cleanup Provisioner error: ${p.message}`, p));
    } else {
      template.errorCleanupProvisioner = p;
    }
  }
  if (errors.length > 0) throw new TemplateErrors(errors, "list");
  return template;
}

/**
 * Finds each known root key (an exact match first, then one differing only in case, as Go's
 * mapstructure matches) and checks its JSON type, reporting every mismatch at once.
 */
function pickRootFields(doc: JsonDocument, root: JsonNode): Map<RootField, JsonProperty> {
  const props = doc.properties(root);
  const picked = new Map<RootField, JsonProperty>();
  const errors: TemplateError[] = [];
  for (const field of Object.keys(ROOT_FIELDS) as RootField[]) {
    // The exact key is the field's mapstructure name: its tag, or its Go name ("Variables" before "variables").
    const p = props.find((x) => x.key === ROOT_FIELDS[field]) ?? props.find((x) => goEqualFold(x.key, field));
    if (!p) continue;
    picked.set(field, p);
    const problem = rootTypeProblem(field, doc.value(p.valueNode));
    if (problem) errors.push(doc.error(problem, p.valueNode, p.key));
  }
  if (errors.length > 0) throw new TemplateErrors(errors, "decoding");
  return picked;
}

function rootTypeProblem(field: RootField, v: unknown): string | undefined {
  const name = ROOT_FIELDS[field];
  if (v === null) return undefined;
  switch (field) {
    case "min_packer_version":
    case "description":
      return typeof v === "string" ? undefined : unconvertible(name, "string", v);
    case "builders":
    case "post-processors":
    case "provisioners":
    case "comments":
      return Array.isArray(v) ? undefined : expectedSlice(name, v);
    case "push":
    case "variables":
      return goKind(v) === "map" ? undefined : expectedMap(name, v);
    case "sensitive-variables": {
      const d = strictStringList(name, v);
      return d.ok ? undefined : d.message;
    }
    case "error-cleanup-provisioner":
      return undefined;
  }
}

/** Root keys starting with `_` are comments (their value must be a string); others are errors. */
function rejectUnknownRootKeys(doc: JsonDocument, root: JsonNode, known: Map<RootField, JsonProperty>): void {
  const used = new Set([...known.values()].map((p) => p.key));
  const unknown = doc
    .properties(root)
    .filter((p) => !used.has(p.key))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const errors: TemplateError[] = [];
  for (const p of unknown) {
    if (p.key.startsWith("_")) {
      if (p.valueNode.type !== "string") {
        throw doc.error(`Failed to cast root level comment value in comment "${p.key}" to string.`, p.valueNode, p.key);
      }
      continue;
    }
    errors.push(doc.error(`Unknown root level key in template: '${p.key}'`, p.keyNode, p.key));
  }
  if (errors.length > 0) throw new TemplateErrors(errors, "list");
}

function describeReadError(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EISDIR: "is a directory",
  };
  return `open ${path}: ${(code && reasons[code]) ?? (errorMessage(e))}`;
}
