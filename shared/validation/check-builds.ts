/**
 * Packer's validate, from planned builds on: initialise every build (are all its component types
 * known?), then prepare each build's components with their schemas, stopping at the first failing
 * component of a build as Packer does. The controller refuses a template with the same result.
 */
import { ConfigErrors } from "../components/problems.js";
import { knownToPacker, schemaFor } from "../components/registry.js";
import type { ComponentKind, ComponentSchema } from "../components/types.js";
import { withPackerForce, type RawComponent } from "../components/raw-component.js";
import { prepareContextFor } from "../plan/build-interpolation.js";
import type { BuildSpec } from "../plan/build-spec.js";
import { packerConfigErrorText, problemLocations } from "./config-error-text.js";
import type { Diagnostic } from "./diagnostics.js";

/** Generated data only exists while a build runs; validating, each key renders as a placeholder. */
const GENERATED_PLACEHOLDERS: Record<string, string> = Object.fromEntries(
  ["ID", "Host", "Port", "User", "Password", "ConnType", "PackerRunUUID", "PackerHTTPIP", "PackerHTTPPort", "PackerHTTPAddr", "SSHPublicKey", "SSHPrivateKey", "WinRMPassword"]
    .map((k) => [k, `<build ${k}>`]),
);

export interface BuildCheck {
  diagnostics: Diagnostic[];
  /** Components Packer knows but Kiln cannot check yet: accepted unchecked, said out loud. */
  unchecked: { build: string; kind: ComponentKind; type: string }[];
}

interface PlannedComponent {
  kind: ComponentKind;
  raw: RawComponent;
}

function componentsOf(spec: BuildSpec): PlannedComponent[] {
  return [
    { kind: "builder", raw: spec.builder },
    ...spec.provisioners.map((p) => ({ kind: "provisioner" as const, raw: p.raw })),
    ...(spec.errorCleanupProvisioner ? [{ kind: "provisioner" as const, raw: spec.errorCleanupProvisioner.raw }] : []),
    ...spec.postProcessorChains.flat().map((p) => ({ kind: "post-processor" as const, raw: p.raw })),
  ];
}

/** `force`: `kiln build -force`, which lets builders accept an existing output directory. */
export function checkBuilds(specs: readonly BuildSpec[], cwd: string, options: { force?: boolean } = {}): BuildCheck {
  const sorted = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const result: BuildCheck = { diagnostics: [], unchecked: [] };
  const initialised: { spec: BuildSpec; schemas: (ComponentSchema<unknown> | undefined)[] }[] = [];
  for (const spec of sorted) {
    const parts = componentsOf(spec);
    const unknown = parts.find((p) => !schemaFor(p.kind, p.raw.type) && !knownToPacker(p.kind, p.raw.type));
    if (unknown) {
      const t = unknown.raw.type;
      const detail = unknown.kind === "builder"
        ? `error initializing builder '${t}': Unknown builder ${t}`
        : `${unknown.kind === "provisioner" ? "Provisioner" : "Post-processor"} type not found: ${t}`;
      result.diagnostics.push({ summary: `Failed to initialize build "${spec.name}"`, detail, build: spec.name });
      continue;
    }
    const schemas = parts.map((p) => schemaFor(p.kind, p.raw.type));
    parts.forEach((p, i) => {
      if (!schemas[i]) result.unchecked.push({ build: spec.name, kind: p.kind, type: p.raw.type });
    });
    initialised.push({ spec, schemas });
  }
  for (const { spec, schemas } of initialised) {
    const plain = prepareContextFor(spec, cwd);
    const withGenerated = prepareContextFor(spec, cwd, GENERATED_PLACEHOLDERS);
    const parts = componentsOf(spec);
    for (let i = 0; i < parts.length; i++) {
      const schema = schemas[i];
      if (!schema) continue;
      try {
        const raw = withPackerForce(parts[i].raw, options.force ?? false);
        schema.prepare(raw, parts[i].kind === "builder" ? plain : withGenerated);
      } catch (e) {
        if (!(e instanceof ConfigErrors)) throw e;
        const where = problemLocations(e.problems);
        result.diagnostics.push({
          summary: `Failed to prepare build: "${spec.name}"`,
          detail: packerConfigErrorText(e.problems),
          build: spec.name,
          where: where.length > 0 ? where.join("\n") : undefined,
        });
        break;
      }
    }
  }
  return result;
}
