/**
 * `packer { required_plugins { NAME = { source = "...", version = "..." } } }` (Packer 1.7+).
 * Kiln loads no Packer plugins: its components are built in. These helpers say, for each plugin a
 * configuration asks for, which of Kiln's components it stands for, so that `validate` can warn
 * about the others and `init` can say there is nothing to install (or fail for a plugin Kiln lacks).
 */
import type { HclBlock, HclDiagnostic, HclFile, HclRange } from "../contract.js";
import { evaluate } from "../eval/index.js";
import { supportedTypes } from "../../../components/registry.js";

export interface RequiredPlugin {
  /** The name on the left (the accessor), e.g. `docker`. */
  name: string;
  /** e.g. `github.com/hashicorp/docker`; the accessor's default when the block has none. */
  source: string;
  /** The version constraint as written, or "" when there is none. */
  version: string;
  range: HclRange;
  /** Kiln's built-in component types of this plugin; empty when Kiln has none of them. */
  builtIn: string[];
}

/** Where Packer's own plugins live: only those are ones Kiln has built in. */
const HASHICORP_NAMESPACE = "github.com/hashicorp/";

/** Every plugin the files' `packer` blocks require, in file order, with what Kiln has of each. */
export function requiredPlugins(files: readonly HclFile[]): { plugins: RequiredPlugin[]; diagnostics: HclDiagnostic[] } {
  const plugins: RequiredPlugin[] = [];
  const diagnostics: HclDiagnostic[] = [];
  const seen = new Map<string, RequiredPlugin>();
  for (const f of files) {
    const { content } = f.body.partialContent({ attributes: [], blocks: [{ type: "packer", labelNames: [] }] });
    for (const packer of content.blocks) {
      const { content: c } = packer.body.partialContent({ attributes: [], blocks: [{ type: "required_plugins", labelNames: [] }] });
      for (const block of c.blocks) {
        for (const plugin of pluginsOf(block, diagnostics)) {
          const before = seen.get(plugin.name);
          if (before) {
            diagnostics.push({
              severity: "error",
              summary: `Duplicate required_plugin.${JSON.stringify(plugin.name)} block`,
              detail: `Block previously seen at ${before.range.file}:${before.range.start.line} is already named ${JSON.stringify(plugin.name)}.`,
              subject: plugin.range,
            });
            continue;
          }
          seen.set(plugin.name, plugin);
          plugins.push(plugin);
        }
      }
    }
  }
  return { plugins, diagnostics };
}

function pluginsOf(block: HclBlock, diagnostics: HclDiagnostic[]): RequiredPlugin[] {
  const { attributes, diagnostics: d } = block.body.justAttributes();
  diagnostics.push(...d);
  const out: RequiredPlugin[] = [];
  for (const attr of attributes.values()) {
    const { value, diagnostics: ed } = evaluate(attr.expr, undefined);
    diagnostics.push(...ed);
    let source = `${HASHICORP_NAMESPACE}${attr.name}`;
    let version = "";
    if (value.kind === "string") version = value.value; // the legacy `name = "constraint"` form
    else if (value.kind === "object" || value.kind === "map") {
      const s = value.attrs.get("source");
      const v = value.attrs.get("version");
      if (s?.kind === "string") source = s.value;
      if (v?.kind === "string") version = v.value;
    } else if (ed.length === 0) {
      diagnostics.push({
        severity: "error",
        summary: "Invalid required_plugins entry",
        detail: `${attr.name} must be an object such as { source = "github.com/hashicorp/${attr.name}", version = ">= 1.0.0" }.`,
        subject: attr.range,
      });
      continue;
    }
    out.push({ name: attr.name, source, version, range: attr.nameRange, builtIn: builtInTypesOf(source) });
  }
  return out;
}

/**
 * Kiln's component types that a plugin source stands for: Packer's own plugins only
 * (github.com/hashicorp/NAME, also written packer-plugin-NAME), whose types are NAME and NAME-*.
 */
export function builtInTypesOf(source: string): string[] {
  const s = source.toLowerCase().replace(/^https?:\/\//, "");
  if (!s.startsWith(HASHICORP_NAMESPACE)) return [];
  const name = s.slice(HASHICORP_NAMESPACE.length).replace(/^packer-plugin-/, "");
  if (name === "" || name.includes("/")) return [];
  const types = (["builder", "provisioner", "post-processor"] as const).flatMap((k) => supportedTypes(k));
  return [...new Set(types.filter((t) => t === name || t.startsWith(`${name}-`)))].sort();
}
