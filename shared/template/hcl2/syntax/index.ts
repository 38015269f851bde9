/**
 * HCL2 syntax: text → HclFile with exact ranges and hcl's diagnostics, and `kiln fmt`'s
 * canonical formatting. Behaviour follows hcl v2.6.0, the version Packer 1.6.6 ships.
 *
 * - Native syntax (`*.pkr.hcl`): tree-sitter's HCL grammar (wasm, loaded once by
 *   `initHclParser()`) gives the tree, converted to the contract's Expression nodes
 *   (native-expressions.ts, templates in native-template.ts). Whether the text is valid, and
 *   every syntax diagnostic, come from native-recognizer.ts: hcl's own parser logic run over
 *   hcl's token stream (native-tokens.ts), because hcl's newline rules and error recovery are
 *   not tree-sitter's.
 * - JSON syntax (`*.pkr.json`): jsonc-parser's tree read through a schema, as hcl/json does.
 * - `formatHcl`: hclwrite.Format on the same token stream.
 * - `formatHclDiagnostics`: diagnostics printed as Packer prints them.
 */
export { initHclParser, parseHclFile, parseHclExpression, parseHclTemplate, rangeString } from "./native-file.js";
export { SourcePositions, rangeBetween } from "./source-positions.js";
export { parseHclJsonFile } from "./json-file.js";
export { formatHcl } from "./format.js";
export { checkHclSyntax } from "./syntax-check.js";
export { formatHclDiagnostic, formatHclDiagnostics, wrapString } from "./diagnostic-text.js";
