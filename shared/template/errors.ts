import type { SourcePosition } from "./position.js";
import { mapstructureErrorText } from "./decode-messages.js";

/** Where a template problem is: the file, and when known the place in it and the JSON path. */
export interface TemplateErrorLocation {
  file: string;
  line?: number;
  column?: number;
  /** JSON path of the value at fault, e.g. `builders[1].type` (indices are 0-based). */
  field?: string;
}

/**
 * One thing wrong with a template, its variables or its build selection. The message is Packer's
 * wording (`builder 2: builder with name 'same' already exists`) so users can search for it;
 * the location says where to look.
 */
export class TemplateError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly field?: string;

  constructor(message: string, where: TemplateErrorLocation) {
    super(message);
    this.name = "TemplateError";
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.field = where.field;
  }

  get position(): SourcePosition | undefined {
    return this.line === undefined ? undefined : { file: this.file, line: this.line, column: this.column ?? 1 };
  }

  /** `file:line:col: message` (or `file: message` when the place is unknown). */
  describe(): string {
    const where = this.line === undefined ? this.file : `${this.file}:${this.line}:${this.column ?? 1}`;
    return `${where}: ${this.message}`;
  }
}

/**
 * A JSON syntax error. `excerpt` is Packer's `At line L, column C (offset O):` block with a caret
 * under the offending character (with the correct column, which Packer gets wrong after line 1).
 */
export class TemplateSyntaxError extends TemplateError {
  constructor(
    message: string,
    where: TemplateErrorLocation,
    /** Bytes read when the error was found, counted as Go's encoding/json does. */
    readonly offset: number,
    readonly excerpt: string,
  ) {
    super(message, where);
    this.name = "TemplateSyntaxError";
  }
}

/**
 * How Packer 1.6.6 prints a group of errors; kept so that the CLI can print the same text:
 * - `list`: go-multierror, `2 errors occurred:\n\t* a\n\t* b\n\n`
 * - `decoding`: mapstructure, `1 error(s) decoding:\n\n* a`
 * - `single`: the first error's message alone
 */
export type TemplateErrorStyle = "list" | "decoding" | "single";

/** Every problem found at one stage, reported together as Packer does. */
export class TemplateErrors extends TemplateError {
  constructor(readonly errors: readonly TemplateError[], readonly style: TemplateErrorStyle = "list") {
    const first = errors[0];
    if (first === undefined) throw new RangeError("TemplateErrors needs at least one error");
    super(errors.map((e) => e.message).join("\n"), first);
    this.name = "TemplateErrors";
  }

  /** The text Packer prints after `Failed to parse template: ` (or alone, for validation errors). */
  packerText(): string {
    return formatPackerErrors(this.errors, this.style);
  }

  /** One `file:line:col: message` line per error. */
  override describe(): string {
    return this.errors.map((e) => e.describe()).join("\n");
  }
}

export function formatPackerErrors(errors: readonly TemplateError[], style: TemplateErrorStyle): string {
  const messages = errors.map((e) => (e instanceof TemplateSyntaxError ? `${e.message}\n${e.excerpt}` : e.message));
  switch (style) {
    case "single":
      return messages[0] ?? "";
    case "decoding":
      return mapstructureErrorText(messages);
    case "list": {
      const head = messages.length === 1 ? "1 error occurred:" : `${messages.length} errors occurred:`;
      return `${head}\n${messages.map((m) => `\t* ${m}`).join("\n")}\n\n`;
    }
  }
}

/** Whatever was thrown, as a list of template errors (one, or the members of a TemplateErrors). */
export function templateErrorsOf(e: TemplateError): readonly TemplateError[] {
  return e instanceof TemplateErrors ? e.errors : [e];
}
