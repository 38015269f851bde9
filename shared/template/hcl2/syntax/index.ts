/**
 * HCL2 syntax: text → HclFile (native syntax through tree-sitter-hcl, and HCL's JSON syntax),
 * with exact ranges and hcl's diagnostics; and `kiln fmt`'s canonical formatting.
 */
export { initHclParser, parseHclFile, parseHclExpression, parseHclTemplate, rangeString } from "./native-file.js";
export { SourcePositions, rangeBetween } from "./source-positions.js";
export { parseHclJsonFile } from "./json-file.js";
export { formatHcl } from "./format.js";
export { formatHclDiagnostic, formatHclDiagnostics, wrapString } from "./diagnostic-text.js";
