/**
 * Checks every component of a planned build with its schema before anything runs, so a typo in
 * the last provisioner fails in a second, not after a 20-minute VM install.
 */
import { ConfigErrors } from "../shared/components/problems.js";
import { builderSchema, postProcessorSchema, provisionerSchema } from "../shared/components/registry.js";
import { prepareContextFor } from "../shared/plan/build-interpolation.js";
import type { BuildSpec } from "../shared/plan/build-spec.js";
import { formatPosition } from "../shared/template/position.js";

/** Generated data exists only at run time; at prepare time each key stands for itself. */
const GENERATED_PLACEHOLDERS: Record<string, string> = Object.fromEntries(
  ["ID", "Host", "Port", "User", "Password", "ConnType", "PackerRunUUID", "PackerHTTPIP", "PackerHTTPPort", "PackerHTTPAddr", "SSHPublicKey", "SSHPrivateKey", "WinRMPassword"]
    .map((k) => [k, `<build ${k}>`]),
);

/** Returns the first problem of the build, formatted for the user, or undefined when it is fine. */
export function prepareBuild(spec: BuildSpec, cwd: string): string | undefined {
  const builder = builderSchema(spec.builder.type);
  if (!builder) return `error initializing builder '${spec.builder.type}': Unknown builder ${spec.builder.type}`;
  const plain = prepareContextFor(spec, cwd);
  const withGenerated = prepareContextFor(spec, cwd, GENERATED_PLACEHOLDERS);
  try {
    builder.prepare(spec.builder, plain);
    for (const p of [...spec.provisioners, ...(spec.errorCleanupProvisioner ? [spec.errorCleanupProvisioner] : [])]) {
      const schema = provisionerSchema(p.type);
      if (!schema) return `Unknown provisioner ${p.type}`;
      schema.prepare(p.raw, withGenerated);
    }
    for (const pp of spec.postProcessorChains.flat()) {
      const schema = postProcessorSchema(pp.type);
      if (!schema) return `Unknown post-processor ${pp.type}`;
      schema.prepare(pp.raw, withGenerated);
    }
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    return e.problems
      .map((p) => `* ${p.message}${p.position ? ` (${formatPosition(p.position)}${p.field ? `, field "${p.field}"` : ""})` : ""}`)
      .join("\n");
  }
  return undefined;
}
