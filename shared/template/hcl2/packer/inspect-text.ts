/**
 * `packer inspect` on HCL2 (PackerConfig.InspectConfig in 1.6.6): variables and locals with their
 * values as the console prints them (Go-quoted), then each build's sources, provisioners and
 * post-processor chains. Sensitive values show as `<sensitive>`, as Packer's output filter does.
 */
import { compareKeys, formatValueForConsole, goQuote, unknownVal } from "../value/index.js";
import { sensitiveStrings, type PackerHclConfig } from "./packer-config.js";

export function maskSecrets(text: string, secrets: readonly string[]): string {
  const sorted = [...new Set(secrets)].filter((s) => s !== "").sort((a, b) => b.length - a.length);
  return sorted.reduce((acc, s) => acc.split(s).join("<sensitive>"), text);
}

export function variablesText(config: PackerHclConfig): string {
  let out = "> input-variables:\n\n";
  for (const name of [...config.variables.keys()].sort(compareKeys)) {
    const v = config.variables.get(name)!;
    const last = v.values[v.values.length - 1];
    out += `var.${name}: ${goQuote(formatValueForConsole(last ? last.value : unknownVal()))}\n`;
  }
  out += "\n> local-variables:\n\n";
  for (const name of [...config.locals.keys()].sort(compareKeys)) {
    out += `local.${name}: ${goQuote(formatValueForConsole(config.locals.get(name)!))}\n`;
  }
  return out;
}

function buildsText(config: PackerHclConfig): string {
  let out = "> builds:\n";
  config.builds.forEach((build, i) => {
    out += `\n  > ${build.name || `<unnamed build ${i}>`}:\n`;
    if (build.description) out += `\n  > Description: ${build.description}\n`;
    out += "\n    sources:\n";
    if (build.sources.length === 0) out += "\n      <no source>\n";
    for (const s of build.sources) out += `\n      ${s.type}.${s.name}\n`;
    out += "\n    provisioners:\n\n";
    if (build.provisioners.length === 0) out += "      <no provisioner>\n";
    for (const p of build.provisioners) out += `      ${p.name ? `${p.type}.${p.name}` : p.type}\n`;
    out += "\n    post-processors:\n";
    if (build.postProcessorChains.length === 0) out += "\n      <no post-processor>\n";
    build.postProcessorChains.forEach((chain, j) => {
      out += `\n      ${j}:\n`;
      for (const pp of chain) out += `        ${pp.name ? `${pp.type}.${pp.name}` : pp.type}\n`;
    });
  });
  return out;
}

/** What `packer inspect` says, one part per ui.Say (which adds a newline to each). */
export function inspectHclText(config: PackerHclConfig): string[] {
  const secrets = sensitiveStrings(config);
  return ["Packer Inspect: HCL2 mode\n", variablesText(config), buildsText(config)].map((t) => maskSecrets(t, secrets));
}
