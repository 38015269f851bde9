// Public face of the interpolation engine: Go's text/template with Packer 1.6.6's functions,
// each text parsed and executed as a template named "root", as Packer does.
import { goBuiltins } from "./builtins.js";
import type { InterpolationContext } from "./context.js";
import { InterpolationError } from "./errors.js";
import { executeTemplate } from "./executor.js";
import { fromJs } from "./go-values.js";
import { PACKER_FUNCTION_NAMES, packerFunctions, VariableNotSetError } from "./packer-functions.js";
import { parseTemplate } from "./parser.js";
import { envNamesReadIn, functionsCalledIn } from "./functions-called.js";
import { renderDeepWith, type RenderDeepOptions } from "./render-deep.js";
import type { TemplateFunction } from "./template-function.js";

export type { InterpolationContext } from "./context.js";
export { InterpolationError } from "./errors.js";
export { formatGoTime, RFC3339 } from "./go-time-layout.js";
export { strftime } from "./strftime.js";
export { cleanResourceName } from "./clean-resource-name.js";
export type { RenderDeepOptions } from "./render-deep.js";
export { BUILD_PLACEHOLDER_MESSAGE, VARIABLE_NOT_SET_HINT, VariableNotSetError } from "./packer-functions.js";

/**
 * Renders `text` with `ctx`. Throws an InterpolationError: phase "parse" for syntax errors and
 * unknown functions, "exec" for errors while running (its `cause` is the function's own error,
 * e.g. a VariableNotSetError).
 */
export function render(text: string, ctx: InterpolationContext): string {
  const funcs = new Map<string, TemplateFunction>([...goBuiltins, ...packerFunctions(ctx)]);
  const template = parseTemplate(text, (name) => funcs.has(name));
  return executeTemplate(template, funcs, fromJs(ctx.data));
}

/**
 * Checks that `text` parses with the functions `ctx` defines (Packer's ValidateInterface, which
 * RenderMap runs on every key, rendered later or not). Throws a parse-phase InterpolationError.
 */
export function validate(text: string, ctx: InterpolationContext): void {
  const funcs = new Map<string, TemplateFunction>([...goBuiltins, ...packerFunctions(ctx)]);
  parseTemplate(text, (name) => funcs.has(name));
}

/**
 * Checks that `text` parses, with Packer's functions plus `extraFunctions` (e.g. a component's
 * `clean_resource_name`) defined. Throws a parse-phase InterpolationError.
 */
export function checkSyntax(text: string, extraFunctions: Iterable<string> = []): void {
  parseWithoutContext(text, extraFunctions);
}

// Parses with the function names known without a context: Go's builtins, Packer's, and extras.
function parseWithoutContext(text: string, extraFunctions: Iterable<string>) {
  const names = new Set<string>([...goBuiltins.keys(), ...PACKER_FUNCTION_NAMES, ...extraFunctions]);
  return parseTemplate(text, (name) => names.has(name));
}

/** Whether `err` is an interpolation error caused by `{{user}}` of a variable without a value. */
export function isVariableNotSet(err: unknown): boolean {
  return err instanceof InterpolationError && err.cause instanceof VariableNotSetError;
}

/**
 * The names of the functions `text` calls (Packer's FunctionsCalled). Throws a parse-phase
 * InterpolationError when the text does not parse.
 */
export function functionsCalled(text: string, extraFunctions: Iterable<string> = []): Set<string> {
  return functionsCalledIn(parseWithoutContext(text, extraFunctions).root);
}

/** The environment variables `text` reads with `{{env "NAME"}}` (literal names). */
export function envNamesRead(text: string): Set<string> {
  return envNamesReadIn(parseWithoutContext(text, []).root);
}

/**
 * Renders every string of a configuration object (Packer's RenderMap): values at any depth and
 * the keys of nested objects; top-level keys are kept, and with `include` only those keys render.
 */
export function renderDeep(
  value: Record<string, unknown>,
  ctx: InterpolationContext,
  options?: RenderDeepOptions,
): Record<string, unknown> {
  return renderDeepWith(render, value, ctx, options);
}
