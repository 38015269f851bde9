/**
 * Packer's validate, from planned builds on: initialise every build (are all its component types
 * known?), then prepare each build's components with their schemas, stopping at the first failing
 * component of a build as Packer does. The controller refuses a template with the same result.
 */
import { ConfigErrors } from "../components/problems.js";
import { knownToPacker, schemaFor } from "../components/registry.js";
import { packerKeySchema } from "../components/packer-keys/key-schema.js";
import type { ComponentKind, ComponentSchema } from "../components/types.js";
import { withPackerForce, type RawComponent } from "../components/raw-component.js";
import { prepareContextFor } from "../plan/build-interpolation.js";
import type { BuildSpec } from "../plan/build-spec.js";
import { packerConfigErrorText, problemLocations } from "./config-error-text.js";
import type { Diagnostic } from "./diagnostics.js";
import { formatPosition } from "../template/position.js";

/** Generated data only exists while a build runs; validating, each key renders as a placeholder. */
const GENERATED_PLACEHOLDERS: Record<string, string> = Object.fromEntries(
  ["ID", "Host", "Port", "User", "Password", "ConnType", "PackerRunUUID", "PackerHTTPIP", "PackerHTTPPort", "PackerHTTPAddr", "SSHPublicKey", "SSHPrivateKey", "WinRMPassword"]
    .map((k) => [k, `<build ${k}>`]),
);

export interface BuildCheck {
  /** The errors: a build named here cannot run. */
  diagnostics: Diagnostic[];
  /** The builders' Prepare warnings of the builds that prepared without error (Packer prints them and goes on). */
  warnings: Diagnostic[];
  /** Errors and warnings together in the order Packer reports them for a JSON template (by build name). */
  reported: Diagnostic[];
  /**
   * Per build, in the order given: the builder's warnings (also those of a builder that then
   * failed: Packer's HCL path shows both) and its failing components, the first one the error
   * `diagnostics` names (with `everyComponent`, the other provisioners or post-processors follow).
   */
  builds: { name: string; warnings: string[]; failures: ComponentFailure[] }[];
  /**
   * Types Kiln has no plugin schema for, checked with Packer's key table and the Prepare rules
   * Kiln knows (keySchema), once each: Kiln validates them but cannot build them.
   */
  keysOnly: { kind: ComponentKind; type: string }[];
}

/** One line for `validate` saying which types were checked from Packer's key tables only. */
export function keysOnlyNote(keysOnly: BuildCheck["keysOnly"]): string | undefined {
  if (keysOnly.length === 0) return undefined;
  const names = keysOnly.map((u) => `${u.type} (${u.kind})`).join(", ");
  return `Note: ${names}: checked against Packer 1.6.6's keys and the rules Kiln knows of them; Kiln cannot build ${keysOnly.length > 1 ? "these types" : "this type"} yet.`;
}

/** A component whose Prepare failed: `raw` is the object of the planned build (for its place in the template). */
export interface ComponentFailure {
  kind: ComponentKind;
  raw: RawComponent;
  diagnostic: Diagnostic;
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

export interface BuildCheckOptions {
  /** `kiln build -force`, which lets builders accept an existing output directory. */
  force?: boolean;
  hostPrograms?: boolean;
  /**
   * Packer's HCL2 path: after the builder, every provisioner is prepared (each failure reported),
   * then, if none failed, every post-processor. JSON templates stop at a build's first failure.
   */
  everyComponent?: boolean;
}

export function checkBuilds(specs: readonly BuildSpec[], cwd: string, options: BuildCheckOptions = {}): BuildCheck {
  const sorted = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const result: BuildCheck = { diagnostics: [], warnings: [], reported: [], builds: [], keysOnly: [] };
  const byName = new Map(specs.map((s): [string, BuildCheck["builds"][number]] => [s.name, { name: s.name, warnings: [], failures: [] }]));
  result.builds.push(...byName.values());
  const seen = new Set<string>();
  const initialised: { spec: BuildSpec; schemas: (ComponentSchema<unknown> | undefined)[] }[] = [];
  for (const spec of sorted) {
    const parts = componentsOf(spec);
    const unknown = parts.find((p) => !schemaFor(p.kind, p.raw.type) && !knownToPacker(p.kind, p.raw.type));
    if (unknown) {
      const t = unknown.raw.type;
      const detail = `error initializing ${unknown.kind} '${t}': Unknown ${unknown.kind} ${t}`;
      const where = unknown.raw.position ? `${formatPosition(unknown.raw.position)} (field "type")` : undefined;
      const failed: Diagnostic = { summary: `Failed to initialize build "${spec.name}"`, detail, build: spec.name, where };
      result.diagnostics.push(failed);
      result.reported.push(failed);
      const entry = byName.get(spec.name)!;
      entry.failures.push({ kind: unknown.kind, raw: unknown.raw, diagnostic: failed });
      continue;
    }
    const schemas = parts.map((p) => {
      const own = schemaFor(p.kind, p.raw.type);
      if (own) return own;
      const id = `${p.kind}/${p.raw.type}`;
      if (!seen.has(id)) {
        seen.add(id);
        result.keysOnly.push({ kind: p.kind, type: p.raw.type });
      }
      return packerKeySchema(p.kind, p.raw.type);
    });
    initialised.push({ spec, schemas });
  }
  for (const { spec, schemas } of initialised) {
    const hostPrograms = options.hostPrograms === true;
    const plain = { ...prepareContextFor(spec, cwd), hostPrograms };
    const withGenerated = { ...prepareContextFor(spec, cwd, GENERATED_PLACEHOLDERS), hostPrograms };
    const parts = componentsOf(spec);
    // Only the builder's Prepare returns warnings in Packer; a JSON template shows them only for a build that prepared.
    const entry = byName.get(spec.name)!;
    const warnings = entry.warnings;
    const failures = entry.failures;
    for (let i = 0; i < parts.length; i++) {
      const schema = schemas[i];
      if (!schema) continue;
      // HCL: every provisioner, then (only if they all prepared) every post-processor.
      if (failures.length > 0 && !(options.everyComponent && parts[i].kind === failures[0]!.kind)) break;
      try {
        const raw = withPackerForce(parts[i].raw, options.force ?? false);
        schema.prepare(raw, parts[i].kind === "builder" ? { ...plain, warn: (text) => warnings.push(text) } : withGenerated);
      } catch (e) {
        if (!(e instanceof ConfigErrors)) throw e;
        const where = problemLocations(e.problems);
        const diagnostic: Diagnostic = {
          summary: `Failed to prepare build: "${spec.name}"`,
          detail: packerConfigErrorText(e.problems),
          build: spec.name,
          where: where.length > 0 ? where.join("\n") : undefined,
        };
        if (failures.length === 0) {
          result.diagnostics.push(diagnostic);
          result.reported.push(diagnostic);
        }
        failures.push({ kind: parts[i].kind, raw: parts[i].raw, diagnostic });
        if (!options.everyComponent || parts[i].kind === "builder") break;
      }
    }
    if (failures.length > 0) continue;
    for (const detail of warnings) {
      const warning: Diagnostic = { summary: `Warning when preparing build: "${spec.name}"`, detail, build: spec.name, severity: "warning" };
      result.warnings.push(warning);
      result.reported.push(warning);
    }
  }
  return result;
}
