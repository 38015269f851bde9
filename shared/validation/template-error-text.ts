import { TemplateErrors, TemplateSyntaxError, type TemplateError } from "../template/errors.js";

/**
 * The text Packer prints for template errors: a group keeps the style Packer used for it; a lone
 * syntax error carries its `At line L, column C` excerpt; any other lone error is its message.
 */
export function packerTemplateErrorText(e: TemplateError): string {
  if (e instanceof TemplateErrors) return e.packerText();
  if (e instanceof TemplateSyntaxError) return `${e.message}\n${e.excerpt}`;
  return e.message;
}

/** Packer groups validation problems of one stage as a go-multierror list, except a lone version check. */
export function packerTemplateProblemsText(problems: readonly TemplateError[]): string {
  if (problems.length === 1 && (problems[0] instanceof TemplateErrors || /^This template requires Packer version/.test(problems[0].message))) {
    return packerTemplateErrorText(problems[0]);
  }
  const items = problems.flatMap((p) => (p instanceof TemplateErrors ? p.errors : [p]));
  const head = items.length === 1 ? "1 error occurred:" : `${items.length} errors occurred:`;
  return `${head}\n${items.map((e) => `\t* ${e.message}`).join("\n")}\n\n`;
}

/** `file:line:col (field "x")` lines for the errors that know where they are. */
export function templateErrorLocations(e: TemplateError): string[] {
  const items = e instanceof TemplateErrors ? e.errors : [e];
  return items
    .filter((x) => x.line !== undefined)
    .map((x) => `${x.file}:${x.line}:${x.column ?? 1}${x.field ? ` (field "${x.field}")` : ""}`);
}
