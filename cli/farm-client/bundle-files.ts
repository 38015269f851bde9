/**
 * Which local files a farm build reads, and which of them a bundle cannot carry. A farm build
 * runs on an agent in a copy of its template's folder, so every relative path the template uses
 * must stay inside that folder; the planner silently leaves other paths out of
 * `BuildSpec.files`, so the client looks for them here to refuse them with a clear error.
 */
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { filesOfComponent } from "../../shared/plan/index.js";
import { prepareContextFor } from "../../shared/plan/build-interpolation.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";

export interface OutsideReference {
  /** The build (Packer's build name) that reads the file. */
  build: string;
  /** The path as resolved on this machine. */
  path: string;
}

/**
 * Relative paths the builds read that leave `templateDir` (`../scripts/x.sh`). Paths are resolved
 * against the template's folder, where the agent runs the build. Absolute paths are left alone:
 * they name files on the agent's host (an ISO kept there), as they would on any build host.
 */
export function referencesOutsideFolder(specs: readonly BuildSpec[], templateDir: string): OutsideReference[] {
  const out: OutsideReference[] = [];
  for (const spec of specs) {
    // Scanning against the filesystem root lists every relative path, inside the folder or not.
    const root = resolve("/");
    const ctx = { interpolation: prepareContextFor(spec, templateDir).interpolation, templateDir: root, cwd: templateDir };
    const components = [
      spec.builder,
      ...spec.provisioners.map((p) => p.raw),
      ...(spec.errorCleanupProvisioner ? [spec.errorCleanupProvisioner.raw] : []),
      ...spec.postProcessorChains.flat().map((p) => p.raw),
    ];
    for (const c of components) {
      for (const rel of filesOfComponent(c, ctx)) {
        const path = resolve(root, rel);
        if (!isInside(path, templateDir)) out.push({ build: spec.name, path });
      }
    }
  }
  return dedupe(out);
}

/** True when `path` is `dir` or below it. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!isAbsolute(rel) && rel !== ".." && !rel.startsWith(`..${sep}`));
}

/** Every file and folder the builds read, relative to the template folder, each once, sorted. */
export function filesOfBuilds(specs: readonly BuildSpec[]): string[] {
  return [...new Set(specs.flatMap((s) => s.files))].sort();
}

export function templateFolderOf(templateFile: string): string {
  return dirname(resolve(templateFile));
}

function dedupe(refs: OutsideReference[]): OutsideReference[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = `${r.build}\0${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
