/**
 * A schema for a Packer type Kiln has none of its own for: Packer's decoder (every key known,
 * every value of the right Go type, deprecated keys named as such) plus the rules of that type's
 * Prepare Kiln has transcribed. Enough to validate as Packer does; Kiln still cannot build it.
 */
import { ConfigReader } from "../config-reader.js";
import type { ComponentKind, ComponentSchema } from "../types.js";
import { packerKeysOf } from "./check-keys.js";
import { ConfigErrors } from "../problems.js";
import { decodeFailureFor, prepareRuleFor, templateFuncsFor } from "./prepare-rules/index.js";

const cache = new Map<string, ComponentSchema<Record<string, unknown>>>();

export function packerKeySchema(kind: ComponentKind, type: string): ComponentSchema<Record<string, unknown>> | undefined {
  if (!packerKeysOf(kind, type)) return undefined;
  const id = `${kind}/${type}`;
  let schema = cache.get(id);
  if (!schema) {
    const rule = prepareRuleFor(kind, type);
    schema = {
      kind,
      type,
      prepare(raw, ctx) {
        const funcs = templateFuncsFor(kind, type);
        const interpolation = funcs ? { ...ctx.interpolation, funcs: { ...ctx.interpolation.funcs, ...funcs } } : ctx.interpolation;
        const r = new ConfigReader(raw, { kind, interpolation, partial: true });
        rule?.(r, ctx);
        try {
          r.finish();
        } catch (e) {
          const reword = decodeFailureFor(kind, type);
          if (reword && e instanceof ConfigErrors && r.problems.some((p) => p.phase)) throw new ConfigErrors(reword(r.problems));
          throw e;
        }
        return raw.config;
      },
    };
    cache.set(id, schema);
  }
  return schema;
}
