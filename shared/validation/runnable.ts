/**
 * "Can this build run": after the configuration check, every builder, provisioner and
 * post-processor type of a build must have a plugin to run it. One check, used by a local
 * `kiln build` (which skips such builds and runs the others, as Packer does) and by the
 * controller before it queues anything (a farm job that no agent could run would only fail later).
 */
import type { BuildSpec } from "../plan/build-spec.js";
import type { Diagnostic } from "./diagnostics.js";

export type ComponentKindToRun = "builder" | "provisioner" | "post-processor";

/** One diagnostic per build with a type nothing can run; `skip` names builds already refused. */
export function unrunnableBuilds(specs: readonly BuildSpec[], canRun: (kind: ComponentKindToRun, type: string) => boolean, skip: ReadonlySet<string | undefined> = new Set()): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const spec of specs) {
    if (skip.has(spec.name)) continue;
    const parts: { kind: ComponentKindToRun; type: string; name?: string }[] = [
      { kind: "builder", type: spec.builder.type },
      ...[...spec.provisioners, ...(spec.errorCleanupProvisioner ? [spec.errorCleanupProvisioner] : [])].map((p) => ({ kind: "provisioner" as const, type: p.type })),
      ...spec.postProcessorChains.flat().map((p) => ({ kind: "post-processor" as const, type: p.type, name: p.name || p.type })),
    ];
    const missing = parts.find((p) => !canRun(p.kind, p.type));
    if (missing) {
      // -except takes build names and post-processor names (a post-processor's name defaults to its
      // type): skipping just the post-processor keeps the build. A provisioner cannot be skipped.
      const advice = missing.kind === "post-processor"
        ? `Use -except=${missing.name} to build without that post-processor, or -except=${spec.name} to skip the build.`
        : `Use -except=${spec.name} to build the others.`;
      diagnostics.push({
        summary: `Failed to prepare build: "${spec.name}"`,
        detail: `Kiln cannot run the ${missing.kind} type "${missing.type}" yet (it validates it, but has no plugin to run it). ${advice}`,
        build: spec.name,
      });
    }
  }
  return diagnostics;
}
