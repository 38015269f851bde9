/** The eval room: evaluating HCL expressions with hclsyntax's semantics (see ../README.md). */
export { evaluate } from "./evaluate.js";
export { variablesReferenced, referenceName, type VariableReference } from "./references.js";
export { didYouMean, nameSuggestion } from "./scope.js";
export { childExpressions } from "./diagnostic-values.js";
