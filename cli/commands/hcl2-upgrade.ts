/**
 * `kiln hcl2_upgrade [-output-file FILE] [-with-annotations] TEMPLATE.json`: `packer
 * hcl2_upgrade` — writes the JSON template as an HCL2 configuration (TEMPLATE.json.pkr.hcl unless
 * -output-file says otherwise) that Kiln builds the same way.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { upgradeJsonTemplate } from "../../shared/template/hcl2/upgrade/json-to-hcl2.js";
import { loadTemplateForReport } from "../../shared/validation/load-and-plan.js";
import { formatFlagHelp, parseCommandFlags, type FlagSpecs } from "../flags.js";
import type { Command } from "../io.js";

const flagSpecs: FlagSpecs = {
  "output-file": { kind: "string", help: "File where to put the HCL2 configuration (default: TEMPLATE.json.pkr.hcl)." },
  "with-annotations": { kind: "bool", help: "Add comments explaining each section of the generated configuration." },
};

export const help = `Usage: kiln hcl2_upgrade -output-file=JSON_TEMPLATE.pkr.hcl JSON_TEMPLATE...

  Will transform your JSON template into an HCL2 configuration.

Kiln options:

${formatFlagHelp(flagSpecs, ["output-file"])}

Kiln: the configuration has variable blocks (strings, as JSON templates see
them; sensitive ones marked), one source block per builder, one build block
with the provisioners and post-processors. {{user \`x\`}} becomes \${var.x},
{{env \`X\`}} in a variable default becomes \${env("X")}, {{timestamp}},
{{build_name}}, {{build_type}}, {{uuid}}, {{pwd}} and {{template_dir}} their
HCL2 equivalents; other interpolations stay as Go templates, rendered at build
time as before. Without -output-file it is written to JSON_TEMPLATE.pkr.hcl.`;

export const run: Command = async (argv, io) => {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "hcl2_upgrade", help, template: "required", packer: true });
  if (!flags) return 1;
  const templateArg = flags.rest[0];
  const loaded = loadTemplateForReport(templateArg, io.cwd);
  if (!loaded.ok) {
    io.stdout.write(`${[loaded.text, ...loaded.where].join("\n")}\n`);
    return 1;
  }
  const output = flags.strings["output-file"] ?? `${templateArg}.pkr.hcl`;
  const text = upgradeJsonTemplate(loaded.template, { withAnnotations: flags.bools["with-annotations"] === true });
  try {
    writeFileSync(resolve(io.cwd, output), text);
  } catch (e) {
    io.stdout.write(`Failed to write ${output}: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout.write(`Successfully created ${output}\n`);
  return 0;
};
