/**
 * `npm run conformance`: Kiln's validate / inspect / console against what Packer 1.6.6 printed for
 * the corpus in /work/shared/compat (KILN_COMPAT_DIR), in process. Prints every case, the intended
 * differences with their reasons, and the agreement percentage.
 */
import { pathToFileURL } from "node:url";
import { loadHclConsoleCases, loadInterpolationCases, loadTemplateEntries } from "./corpus.js";
import { INTENDED_DIFFERENCES } from "./intended-differences.js";
import { runHclConsoleCase, runInterpolationCase } from "./interpolation-cases.js";
import { runTemplateEntry, type CaseResult } from "./template-cases.js";
import { loadWildEntries, runWildEntry, wildCorpusPresent } from "./wild-cases.js";

export interface ConformanceSummary {
  results: (CaseResult & { intended?: string })[];
  /** Percentages over cases that are not intended differences. */
  templateAgreement: number;
  hclAgreement: number;
  hclConsoleAgreement: number;
  interpolationAgreement: number;
  /** compat/wild: templates from public repositories (100 when that corpus is absent). */
  wildAgreement: number;
  /** `validate` of the JSON and HCL2 entries whose whole stdout is Packer's (Kiln's location lines aside). */
  exactValidate: { exact: number; of: number };
}

export async function runConformance(): Promise<ConformanceSummary> {
  const results: (CaseResult & { intended?: string })[] = [];
  for (const entry of loadTemplateEntries()) results.push(...(await runTemplateEntry(entry)));
  for (const entry of loadTemplateEntries("hcl")) results.push(...(await runTemplateEntry(entry)));
  for (const c of loadInterpolationCases()) results.push(await runInterpolationCase(c));
  const hclConsole = loadHclConsoleCases();
  for (const c of hclConsole.cases) results.push(await runHclConsoleCase(hclConsole.template, c));
  if (wildCorpusPresent()) for (const entry of loadWildEntries()) results.push(...(await runWildEntry(entry)));
  for (const r of results) {
    const reason = INTENDED_DIFFERENCES[`${r.id} ${r.label}`];
    if (reason) r.intended = reason;
  }
  const pct = (rs: typeof results): number => {
    const counted = rs.filter((r) => !r.intended);
    return counted.length === 0 ? 100 : (100 * counted.filter((r) => r.agree).length) / counted.length;
  };
  return {
    results,
    templateAgreement: pct(results.filter(isJsonTemplateCase)),
    wildAgreement: pct(results.filter((r) => r.id.startsWith("wild/"))),
    hclConsoleAgreement: pct(results.filter((r) => r.id === "hcl-console")),
    hclAgreement: pct(results.filter((r) => r.id.startsWith("hcl/"))),
    interpolationAgreement: pct(results.filter((r) => r.id === "interpolation")),
    exactValidate: {
      exact: results.filter((r) => r.label === "validate" && r.exact).length,
      of: results.filter((r) => r.label === "validate" && r.exact !== undefined).length,
    },
  };
}

/** The entries whose `validate` stdout is not yet Packer's byte for byte. */
export function notExactValidate(summary: ConformanceSummary): string[] {
  return summary.results.filter((r) => r.label === "validate" && r.exact === false).map((r) => r.id);
}

function isJsonTemplateCase(r: CaseResult): boolean {
  return r.id !== "interpolation" && r.id !== "hcl-console" && !r.id.startsWith("hcl/") && !r.id.startsWith("wild/");
}

async function main(): Promise<void> {
  const summary = await runConformance();
  for (const r of summary.results) {
    const verdict = r.intended ? (r.agree ? "agree (intended difference not needed)" : "intended difference") : r.agree ? "agree" : "DISAGREE";
    console.log(`${verdict.padEnd(20)} ${r.id} ${r.label}`);
    if (!r.agree && !r.intended && r.why) console.log(`      ${r.why}`);
  }
  console.log("\nIntended differences from Packer 1.6.6:");
  for (const [key, reason] of Object.entries(INTENDED_DIFFERENCES)) console.log(`  - ${key}: ${reason}`);
  const t = summary.results.filter(isJsonTemplateCase);
  const w = summary.results.filter((r) => r.id.startsWith("wild/"));
  const hc = summary.results.filter((r) => r.id === "hcl-console");
  const h = summary.results.filter((r) => r.id.startsWith("hcl/"));
  const i = summary.results.filter((r) => r.id === "interpolation");
  console.log(`\nJSON templates: ${t.filter((r) => r.agree && !r.intended).length}/${t.filter((r) => !r.intended).length} agree (${summary.templateAgreement.toFixed(1)}%), ${t.filter((r) => r.intended).length} intended differences`);
  console.log(`HCL2 templates: ${h.filter((r) => r.agree && !r.intended).length}/${h.filter((r) => !r.intended).length} agree (${summary.hclAgreement.toFixed(1)}%)`);
  console.log(`HCL2 console:   ${hc.filter((r) => r.agree && !r.intended).length}/${hc.filter((r) => !r.intended).length} agree (${summary.hclConsoleAgreement.toFixed(1)}%)`);
  console.log(`Wild templates: ${w.filter((r) => r.agree && !r.intended).length}/${w.filter((r) => !r.intended).length} agree (${summary.wildAgreement.toFixed(1)}%)${w.length === 0 ? " (compat/wild absent)" : ""}`);
  console.log(`validate stdout byte for byte as Packer's: ${summary.exactValidate.exact}/${summary.exactValidate.of}; not yet: ${notExactValidate(summary).join(", ")}`);
  console.log(`Interpolation:  ${i.filter((r) => r.agree && !r.intended).length}/${i.filter((r) => !r.intended).length} agree (${summary.interpolationAgreement.toFixed(1)}%)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
