import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { InterpolationError, render } from "./interpolate/index.js";
import type { InterpolationContext } from "./interpolate/context.js";
import { TemplateError, TemplateErrors } from "./errors.js";
import type { Template } from "./model.js";
import { readVarFile } from "./var-files.js";

export interface VariableOptions {
  /** `-var name=value` pairs in command-line order. */
  vars: [string, string][];
  /** `-var-file` paths in command-line order (relative ones are resolved against `cwd`). */
  varFiles: string[];
  /** What `{{env}}` sees in defaults; process.env when absent. */
  env?: Record<string, string | undefined>;
  /** Working directory, for `{{pwd}}` and relative var-file paths. */
  cwd: string;
  /** `{{timestamp}}` in defaults; now when absent. Pass the run's fixed time. */
  initTime?: Date;
}

export interface ResolvedVariables {
  /** Every user variable: declared ones and any given with -var / -var-file. */
  values: Record<string, string>;
  /** Values of the variables named in `sensitive-variables` (non-empty ones), to scrub from output. */
  sensitiveValues: string[];
}

/** `{{ .HTTPIP }}` and friends belong to later stages: Packer leaves them alone in variables. */
const DOT_EXPRESSION = /\{\{(\s|)\.(.*?)(\s|)\}\}/g;
/** A variable whose text calls `user` with a backquoted name is rendered again on every pass. */
const USER_CALL = /\{\{\s*user\s*`.*`\s*\}\}/;
/** Packer's bound on the passes over variables that reference each other. */
const MAX_PASSES = 100;

/**
 * Packer 1.6.6's variable resolution for JSON templates:
 * 1. `-var-file` values (a later file wins), then `-var` values over them (a `-var` always beats a
 *    `-var-file`, whatever the order on the command line);
 * 2. every required variable (null default) must have been given;
 * 3. every value — default or given — is interpolated with `{{env}}` allowed, and may reference
 *    other variables; passes over the variables (sorted by name) repeat until all settle.
 *    Referencing a variable that never gets a value (itself included) is an error.
 */
export function resolveVariables(t: Template, opts: VariableOptions): ResolvedVariables {
  const given: Record<string, string> = {};
  for (const path of opts.varFiles) Object.assign(given, readVarFile(resolve(opts.cwd, path), path));
  for (const [name, value] of opts.vars) given[name] = value;

  const missing = t.variables.filter((v) => v.required && !(v.name in given));
  if (missing.length > 0) {
    const errors = missing.map(
      (v) =>
        new TemplateError(`required variable not set: ${v.name}`, {
          file: t.displayPath,
          line: v.position?.line,
          column: v.position?.column,
          field: `variables.${v.name}`,
        }),
    );
    // Packer lists them with go-multierror even when there is one ("1 error occurred:").
    throw new TemplateErrors(errors, "list");
  }

  const texts = new Map<string, string>();
  for (const v of t.variables) texts.set(v.name, v.default ?? "");
  for (const [name, value] of Object.entries(given)) texts.set(name, value);
  const values = renderAll(t, texts, given, opts);

  const sensitiveValues = t.sensitiveVariables.map((n) => values[n] ?? "").filter((v) => v !== "");
  return { values, sensitiveValues: [...new Set(sensitiveValues)] };
}

function renderAll(t: Template, texts: Map<string, string>, given: Record<string, string>, opts: VariableOptions): Record<string, string> {
  const values: Record<string, string> = { ...given };
  const ctx: InterpolationContext = {
    userVariables: values,
    enableEnv: true,
    env: opts.env ?? process.env,
    templatePath: t.file,
    cwd: opts.cwd,
    initTime: opts.initTime ?? new Date(),
  };
  const where = (name: string) => {
    const decl = t.variables.find((v) => v.name === name);
    return { file: t.displayPath, line: decl?.position?.line, column: decl?.position?.column, field: `variables.${name}` };
  };

  // Packer's loop, outcome for outcome: a pass renders every pending variable; one with no `user`
  // call left is settled, one that still has one is rendered again next pass (so while such a
  // variable renders, the passes go on to the 100th). Only a last pass in which nothing rendered
  // fails; otherwise a variable that never rendered stays unset, and `{{user}}` of it elsewhere
  // is "" (kubernetes-sigs/image-builder's gce template validates so on Packer 1.6.6).
  let pending = [...texts.keys()].sort();
  let failures: { name: string; error: InterpolationError }[] = [];
  let rendered = false;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    failures = [];
    rendered = false;
    let again = false;
    const settled = new Set<string>();
    for (const name of pending) {
      const text = texts.get(name) ?? "";
      try {
        values[name] = renderKeepingDotExpressions(text, ctx);
        rendered = true;
        if (USER_CALL.test(text)) again = true;
        else settled.add(name);
      } catch (e) {
        if (!(e instanceof InterpolationError)) throw e;
        if (e.phase === "parse") {
          throw new TemplateError(`error interpolating default value for '${name}': ${e.message}`, where(name));
        }
        // A reference to a variable not rendered yet: another pass may provide it.
        if (!e.message.includes("variable not set")) throw new TemplateError(e.message, where(name));
        failures.push({ name, error: e });
        again = true;
      }
    }
    pending = pending.filter((n) => !settled.has(n));
    if (!again) break;
  }
  const last = failures.at(-1);
  if (last && !rendered) {
    const text = texts.get(last.name) ?? "";
    throw new TemplateError(
      `Failed to interpolate "${last.name}": "${text}"; error: ${last.error.message}: Please make sure that the variable ` +
        "you're referencing has been defined; Packer treats all variables used to interpolate other user variables as required.",
      where(last.name),
    );
  }
  return values;
}

/** Packer's RenderRegex: dot expressions are swapped for unique markers, rendered around, then put back. */
function renderKeepingDotExpressions(text: string, ctx: InterpolationContext): string {
  const kept = new Map<string, string>();
  const masked = text.replace(DOT_EXPRESSION, (expr) => {
    const marker = `KILN-KEEP-${randomUUID()}`;
    kept.set(marker, expr);
    return marker;
  });
  let out = render(masked, ctx);
  for (const [marker, expr] of kept) out = out.split(marker).join(expr);
  return out;
}
