import { TemplateError } from "./errors.js";
import type { Template } from "./model.js";
import type { SourcePosition } from "./position.js";
import { PACKER_COMPAT_VERSION, comparePackerVersions, parsePackerVersion, MalformedVersionError } from "./packer-version.js";

/**
 * The template-level checks of Packer's full `validate` (after parsing, before variables):
 * builders exist, `only`/`except`/`override` name real builders, then `min_packer_version`.
 * Names are compared before interpolation, as Packer does. Returns every problem; empty when
 * the template is fine. Call it before resolveVariables, as Packer checks in that order.
 */
export function checkTemplate(t: Template): TemplateError[] {
  const errors: TemplateError[] = [];
  const at = (message: string, position: SourcePosition | undefined, field: string): TemplateError =>
    new TemplateError(message, { file: t.displayPath, line: position?.line, column: position?.column, field });

  const rootKey = (k: string): SourcePosition => t.keyPositions?.[k] ?? { file: t.displayPath, line: 1, column: 1 };
  if (t.builders.length === 0) errors.push(at("at least one builder must be defined", rootKey("builders"), "builders"));
  const builders = new Set(t.builders.map((b) => b.name));

  t.provisioners.forEach((p, i) => {
    const label = `provisioner ${i + 1}`;
    const path = `provisioners[${i}]`;
    for (const message of onlyExceptProblems(p.only, p.except, builders)) {
      errors.push(at(`${label}: ${message}`, p.position, path));
    }
    for (const name of Object.keys(p.override)) {
      if (!builders.has(name)) errors.push(at(`${label}: override '${name}' doesn't exist`, p.position, `${path}.override`));
    }
  });
  t.postProcessors.forEach((chain, i) => {
    chain.forEach((pp, j) => {
      for (const message of onlyExceptProblems(pp.only, pp.except, builders)) {
        errors.push(at(`post-processor ${i + 1}.${j + 1}: ${message}`, pp.position, `post-processors[${i}]`));
      }
    });
  });
  if (errors.length > 0) return errors;

  // Only reached when the structure is sound; then a too-high version hides every later error.
  const version = minVersionProblem(t, rootKey("min_packer_version"));
  return version ? [version] : [];
}

function onlyExceptProblems(only: readonly string[], except: readonly string[], builders: ReadonlySet<string>): string[] {
  if (only.length > 0 && except.length > 0) return ["only one of 'only' or 'except' may be specified"];
  return [
    ...only.filter((n) => !builders.has(n)).map((n) => `'only' specified builder '${n}' not found`),
    ...except.filter((n) => !builders.has(n)).map((n) => `'except' specified builder '${n}' not found`),
  ];
}

function minVersionProblem(t: Template, position: SourcePosition): TemplateError | undefined {
  if (t.minPackerVersion === undefined || t.minPackerVersion === "") return undefined;
  const where = { file: t.displayPath, line: position.line, column: position.column, field: "min_packer_version" };
  try {
    const wanted = parsePackerVersion(t.minPackerVersion);
    const actual = parsePackerVersion(PACKER_COMPAT_VERSION);
    if (comparePackerVersions(actual, wanted) < 0) {
      return new TemplateError(`This template requires Packer version ${wanted.text} or higher; using ${actual.text}`, where);
    }
  } catch (e) {
    if (!(e instanceof MalformedVersionError)) throw e;
    return new TemplateError(`min_version is invalid: ${e.message}`, where);
  }
  return undefined;
}
