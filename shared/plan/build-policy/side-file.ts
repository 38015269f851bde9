/**
 * The side file next to a template: `kiln.json` (or `kiln.hcl`) in the template's folder sets
 * Kiln's per-build policy by build-name glob, so the template itself stays a Packer template.
 *
 *   kiln.json                                   kiln.hcl
 *   { "builds": {                               build "qemu.*" {
 *       "*":      { "retries": 1 },               retries  = 2
 *       "qemu.*": { "retries": 2,                 retry_on = "timed out|reset"
 *                   "retry_on": "timed out",      timeout  = "45m"
 *                   "timeout": "45m",             labels   = ["kvm", "site=eu"]
 *                   "labels": ["kvm", "site=eu"], priority = "high"
 *                   "priority": "high" } } }    }
 *
 * Every glob that matches a build name applies, in file order, later ones overriding earlier
 * keys (a later `labels` replaces an earlier one, it does not add to it); the command line's
 * -retry/-retry-on/-timeout/-label/-priority override both.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { getNodeValue, parseTree, type Node, type ParseError, printParseErrorCode } from "jsonc-parser";
import { BuildPolicyError, type BuildPolicy } from "./policy.js";
import { readPolicySettings } from "./settings.js";

export interface SideFileEntry {
  glob: string;
  settings: Partial<BuildPolicy>;
}

export interface SideFile {
  path: string;
  entries: SideFileEntry[];
}

export const SIDE_FILE_NAMES = ["kiln.json", "kiln.hcl"] as const;

/** The folder a template's side file is looked for in: the template's own (or the folder given). */
export function sideFileFolder(templatePath: string): string {
  return existsSync(templatePath) && statSync(templatePath).isDirectory() ? templatePath : dirname(templatePath);
}

/** Reads kiln.json or kiln.hcl from `folder`; undefined when there is none. Both at once is an error. */
export async function loadSideFile(folder: string, displayFolder = folder): Promise<SideFile | undefined> {
  const present = SIDE_FILE_NAMES.filter((n) => existsSync(join(folder, n)));
  if (present.length === 2) {
    throw new BuildPolicyError(`${join(displayFolder, "kiln.json")} and kiln.hcl both exist: keep one of them`);
  }
  const name = present[0];
  if (name === undefined) return undefined;
  const display = join(displayFolder, name);
  const source = readFileSync(join(folder, name), "utf8");
  return { path: display, entries: name === "kiln.json" ? jsonEntries(display, source) : await hclEntries(display, source) };
}

function lineColumn(source: string, offset: number): string {
  const before = source.slice(0, offset).split("\n");
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

function jsonEntries(file: string, source: string): SideFileEntry[] {
  const errors: ParseError[] = [];
  const root = parseTree(source, errors, { allowTrailingComma: true });
  if (errors.length > 0 || !root) {
    const e = errors[0];
    throw new BuildPolicyError(e ? `${file}:${lineColumn(source, e.offset)}: ${printParseErrorCode(e.error)}` : `${file}: empty file`);
  }
  const at = (node: Node, what: string): string => `${file}:${lineColumn(source, node.offset)}: ${what}`;
  if (root.type !== "object") throw new BuildPolicyError(at(root, 'expected an object with a "builds" map'));
  const entries: SideFileEntry[] = [];
  for (const prop of root.children ?? []) {
    const [keyNode, valueNode] = prop.children ?? [];
    if (!keyNode || !valueNode) continue;
    if (keyNode.value !== "builds") throw new BuildPolicyError(at(keyNode, `unknown key "${String(keyNode.value)}"; the side file has one key, "builds"`));
    if (valueNode.type !== "object") throw new BuildPolicyError(at(valueNode, '"builds" must map build-name globs to settings'));
    for (const build of valueNode.children ?? []) {
      const [globNode, settingsNode] = build.children ?? [];
      if (!globNode || !settingsNode) continue;
      const glob = String(globNode.value);
      if (settingsNode.type !== "object") throw new BuildPolicyError(at(settingsNode, `builds "${glob}" must be an object of settings`));
      const keyNodes = new Map((settingsNode.children ?? []).map((p) => [String(p.children?.[0]?.value), p]));
      const raw = getNodeValue(settingsNode) as Record<string, unknown>;
      entries.push({
        glob,
        settings: readPolicySettings(raw, (key) => at(keyNodes.get(key) ?? settingsNode, `builds "${glob}" ${key}`)),
      });
    }
  }
  return entries;
}

async function hclEntries(file: string, source: string): Promise<SideFileEntry[]> {
  const { initHclParser, parseHclFile } = await import("../../template/hcl2/syntax/index.js");
  const { evaluate } = await import("../../template/hcl2/eval/index.js");
  const { toJson } = await import("../../template/hcl2/value/index.js");
  await initHclParser();
  const where = (r: { start: { line: number; column: number } }, what: string): string => `${file}:${r.start.line}:${r.start.column}: ${what}`;
  const parsed = parseHclFile(file, source);
  const firstError = parsed.diagnostics.find((d) => d.severity === "error");
  if (firstError) throw new BuildPolicyError(firstError.subject ? where(firstError.subject, firstError.summary) : `${file}: ${firstError.summary}`);
  const { content, diagnostics } = parsed.file.body.content({ attributes: [], blocks: [{ type: "build", labelNames: ["glob"] }] });
  const bad = diagnostics.find((d) => d.severity === "error");
  if (bad) throw new BuildPolicyError(bad.subject ? where(bad.subject, `${bad.summary}${bad.detail ? `: ${bad.detail}` : ""}`) : `${file}: ${bad.summary}`);
  return content.blocks.map((block) => {
    const glob = block.labels[0]!;
    const attrs = block.body.justAttributes();
    const attrError = attrs.diagnostics.find((d) => d.severity === "error");
    if (attrError) throw new BuildPolicyError(attrError.subject ? where(attrError.subject, attrError.summary) : `${file}: ${attrError.summary}`);
    const raw: Record<string, unknown> = {};
    const ranges = new Map<string, { start: { line: number; column: number } }>();
    for (const [name, attr] of attrs.attributes) {
      const { value, diagnostics: evalDiagnostics } = evaluate(attr.expr, undefined);
      const evalError = evalDiagnostics.find((d) => d.severity === "error");
      if (evalError) throw new BuildPolicyError(where(attr.range, `build "${glob}" ${name}: ${evalError.summary}${evalError.detail ? `: ${evalError.detail}` : ""}`));
      raw[name] = toJson(value);
      ranges.set(name, attr.range);
    }
    return { glob, settings: readPolicySettings(raw, (key) => where(ranges.get(key) ?? block.defRange, `build "${glob}" ${key}`)) };
  });
}
