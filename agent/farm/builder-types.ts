/**
 * Which builder types an agent takes jobs for: those this agent has a plugin for whose schema's
 * `needs` the host has, optionally narrowed by the operator (`--builders`) to dedicate a host.
 */
import { builderSchema, supportedTypes } from "../../shared/components/registry.js";
import { defaultCatalogue, type PluginCatalogue } from "../catalogue.js";

export class BuilderFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuilderFilterError";
  }
}

export interface BuilderTypeChoice {
  /** Types this agent will pull jobs for, sorted. */
  types: string[];
  /** Types Kiln knows but this agent will not take, with the reason (for the start-up report). */
  skipped: { type: string; why: string }[];
}

export function builderTypesFor(
  capabilities: readonly string[],
  only: readonly string[] | undefined,
  catalogue: PluginCatalogue = defaultCatalogue,
): BuilderTypeChoice {
  const have = new Set(capabilities);
  const types: string[] = [];
  const skipped: { type: string; why: string }[] = [];
  const runnable = new Map<string, string | undefined>();
  for (const type of supportedTypes("builder")) {
    const schema = builderSchema(type);
    if (!schema) continue;
    const missing = schema.needs.filter((n) => !have.has(n));
    const why = !catalogue.canRun("builder", type)
      ? "this agent has no plugin for it yet"
      : missing.length > 0
        ? `host lacks ${missing.join(", ")}`
        : undefined;
    runnable.set(type, why);
  }
  if (only && only.length > 0) {
    for (const type of only) {
      if (!runnable.has(type)) {
        throw new BuilderFilterError(`--builders: "${type}" is not a builder type Kiln knows (known: ${[...runnable.keys()].join(", ")})`);
      }
      const why = runnable.get(type);
      if (why) throw new BuilderFilterError(`--builders: this agent cannot run "${type}": ${why}`);
    }
  }
  for (const [type, why] of runnable) {
    if (why) skipped.push({ type, why });
    else if (only && only.length > 0 && !only.includes(type)) skipped.push({ type, why: "not in --builders" });
    else types.push(type);
  }
  return { types: types.sort(), skipped };
}
