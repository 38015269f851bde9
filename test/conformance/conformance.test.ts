import test from "ava";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { COMPAT_DIR } from "./corpus.js";
import { notExactValidate, runConformance } from "./run.js";

const corpusPresent = existsSync(join(COMPAT_DIR, "expected.json"));
if (!corpusPresent) console.log(`conformance: skipped, the Packer 1.6.6 corpus is not at ${COMPAT_DIR} (set KILN_COMPAT_DIR)`);

/**
 * Agreement with Packer 1.6.6 on the JSON corpus must not drop below what Kiln reached. Raise the
 * floor when agreement improves; never lower it to make a change pass.
 */
const JSON_TEMPLATE_FLOOR = 100;
/** interpolation.json's JSON-template cases. */
const INTERPOLATION_FLOOR = 100;
/** expected.json's HCL2 entries (kind "hcl") and interpolation.json's hcl2_console cases. */
const HCL_TEMPLATE_FLOOR = 100;
const HCL_CONSOLE_FLOOR = 100;
/** compat/wild: 58 templates from public repositories, validate and inspect each. */
const WILD_FLOOR = 100;
/** `validate`'s whole stdout equal to Packer's (warnings, error blocks, blank lines), of the 127 entries. */
const EXACT_VALIDATE_FLOOR = 115;

(corpusPresent ? test : test.skip)("validate, inspect and console agree with Packer 1.6.6 on the JSON and HCL2 corpus", async (t) => {
  const summary = await runConformance();
  const failing = summary.results.filter((r) => r.id !== "interpolation" && !r.agree && !r.intended);
  t.log(`wild templates: ${summary.wildAgreement.toFixed(1)}% agree`);
  t.log(`JSON templates: ${summary.templateAgreement.toFixed(1)}% agree; HCL2 templates: ${summary.hclAgreement.toFixed(1)}%; HCL2 console: ${summary.hclConsoleAgreement.toFixed(1)}%; interpolation cases: ${summary.interpolationAgreement.toFixed(1)}%`);
  for (const r of [...failing, ...summary.results.filter((x) => x.id === "interpolation" && !x.agree && !x.intended)]) t.log(`disagree: ${r.id} ${r.label}${r.why ? `\n  ${r.why}` : ""}`);
  t.true(summary.templateAgreement >= JSON_TEMPLATE_FLOOR, `agreement ${summary.templateAgreement.toFixed(1)}% < ${JSON_TEMPLATE_FLOOR}%`);
  t.true(summary.hclAgreement >= HCL_TEMPLATE_FLOOR, `HCL2 agreement ${summary.hclAgreement.toFixed(1)}% < ${HCL_TEMPLATE_FLOOR}%`);
  t.true(summary.hclConsoleAgreement >= HCL_CONSOLE_FLOOR, `HCL2 console agreement ${summary.hclConsoleAgreement.toFixed(1)}% < ${HCL_CONSOLE_FLOOR}%`);
  t.log(`validate stdout byte for byte as Packer's: ${summary.exactValidate.exact}/${summary.exactValidate.of}; not yet: ${notExactValidate(summary).join(", ")}`);
  t.true(summary.exactValidate.exact >= EXACT_VALIDATE_FLOOR, `validate stdout exactly as Packer's for ${summary.exactValidate.exact} entries < ${EXACT_VALIDATE_FLOOR}`);
  t.true(summary.wildAgreement >= WILD_FLOOR, `wild-corpus agreement ${summary.wildAgreement.toFixed(1)}% < ${WILD_FLOOR}%`);
  t.true(summary.interpolationAgreement >= INTERPOLATION_FLOOR, `interpolation agreement ${summary.interpolationAgreement.toFixed(1)}% < ${INTERPOLATION_FLOOR}%`);
});
