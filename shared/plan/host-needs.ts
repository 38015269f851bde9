/**
 * What a build needs of the host that runs it beyond its builder's needs: the capabilities its
 * provisioners and post-processors declare (`hostNeeds`, e.g. `ansible`). A farm queues such a
 * job apart (shared/bus/names.ts jobQueue) so only agents that have them take it.
 */
import { postProcessorSchema, provisionerSchema, supportedTypes } from "../components/registry.js";
import type { BuildSpec } from "./build-spec.js";

export function hostNeedsOf(spec: BuildSpec): string[] {
  const needs = new Set<string>();
  const provisioners = [...spec.provisioners, ...(spec.errorCleanupProvisioner ? [spec.errorCleanupProvisioner] : [])];
  for (const p of provisioners) for (const n of provisionerSchema(p.type)?.hostNeeds ?? []) needs.add(n);
  for (const chain of spec.postProcessorChains) for (const p of chain) for (const n of postProcessorSchema(p.type)?.hostNeeds ?? []) needs.add(n);
  return [...needs].sort();
}

/** Every capability some provisioner or post-processor may need: what an agent probes and queues by. */
export function knownHostNeeds(): string[] {
  const needs = new Set<string>();
  for (const type of supportedTypes("provisioner")) for (const n of provisionerSchema(type)?.hostNeeds ?? []) needs.add(n);
  for (const type of supportedTypes("post-processor")) for (const n of postProcessorSchema(type)?.hostNeeds ?? []) needs.add(n);
  return [...needs].sort();
}
