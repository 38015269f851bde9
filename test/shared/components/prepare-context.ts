/** A prepare context for schema tests: one build in a given working directory. */
import type { PrepareContext } from "../../../shared/components/types.js";
import type { RawComponent } from "../../../shared/components/raw-component.js";
import { ConfigErrors } from "../../../shared/components/problems.js";

export function prepareContext(cwd: string, buildName: string, buildType = buildName): PrepareContext {
  return {
    interpolation: { buildName, buildType, userVariables: {}, enableEnv: false, initTime: new Date("2020-12-16T10:00:00Z"), cwd },
    templateDir: cwd,
    cwd,
  };
}

export function raw(type: string, config: Record<string, unknown>): RawComponent {
  return { type, config };
}

/** The problem messages a prepare throws, or [] when it succeeds. */
export function problemsOf(f: () => unknown): string[] {
  try {
    f();
    return [];
  } catch (e) {
    if (e instanceof ConfigErrors) return e.problems.map((p) => p.message);
    throw e;
  }
}
