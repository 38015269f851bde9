// Public face of the template layer: JSON templates → a typed model, variables, template checks.
export type { Template, VariableDecl, BuilderDecl, ProvisionerDecl, PostProcessorDecl } from "./model.js";
export type { SourcePosition } from "./position.js";
export { formatPosition } from "./position.js";
export {
  TemplateError,
  TemplateErrors,
  TemplateSyntaxError,
  formatPackerErrors,
  templateErrorsOf,
  type TemplateErrorLocation,
  type TemplateErrorStyle,
} from "./errors.js";
export { loadTemplate, parseTemplate } from "./parse-template.js";
export { checkTemplate } from "./check-template.js";
export { resolveVariables, type ResolvedVariables, type VariableOptions } from "./resolve-variables.js";
export { readVarFile } from "./var-files.js";
export { PACKER_COMPAT_VERSION, parsePackerVersion, comparePackerVersions } from "./packer-version.js";
export { parseGoDuration, formatGoDuration, DurationSyntaxError } from "./duration.js";
