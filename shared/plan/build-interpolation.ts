import type { InterpolationContext } from "../template/interpolate/context.js";
import type { PrepareContext } from "../components/types.js";
import type { BuildSpec } from "./build-spec.js";
import { dirname } from "node:path";
import { PACKER_COMPAT_VERSION } from "../template/packer-version.js";

/**
 * The context a component of this build is prepared in. `generated` is set for provisioners and
 * post-processors only (`{{build "Host"}}`), as in Packer.
 */
export function prepareContextFor(spec: BuildSpec, cwd: string, generated?: Record<string, string>): PrepareContext {
  const interpolation: InterpolationContext = {
    buildName: spec.packerBuildName ?? spec.name,
    buildType: spec.builder.type,
    userVariables: spec.variables,
    declaredVariables: new Set(spec.declaredVariables),
    enableEnv: false,
    templatePath: spec.template.path,
    cwd,
    generated,
    packerVersion: PACKER_COMPAT_VERSION,
    initTime: new Date(spec.initTime),
  };
  return { interpolation, templateDir: dirname(spec.template.path), cwd };
}
