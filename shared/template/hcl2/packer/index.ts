/**
 * The Packer layer of HCL2 (see ../README.md): a `.pkr.hcl`/`.pkr.json` file or a folder →
 * variables, locals, sources and builds as Packer 1.6.6 reads them → the same BuildSpecs the
 * JSON planner makes; plus what `inspect` and `console` print.
 */
export { isHcl2Target } from "./template-files.js";
export { parseHclTemplate, initializeHclTemplate, evalContext, sensitiveStrings, type PackerHclConfig, type HclTemplateInputs } from "./packer-config.js";
export { planHclBuilds, BUILD_DATA_KEYS, type HclPlan, type HclPlanOptions } from "./build-specs.js";
export { checkHclTemplate, type HclChecked, type HclCheckOptions } from "./template-check.js";
export { inspectHclText } from "./inspect-text.js";
export { evaluateConsoleLine } from "./console-line.js";
