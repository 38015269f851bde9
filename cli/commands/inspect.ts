/**
 * `kiln inspect TEMPLATE`, as `packer inspect` 1.6.6 for JSON templates: description, variables
 * (required, then optional with defaults), builders sorted by name, provisioners in order. Also
 * Packer's `-machine-readable` records (`template-variable`, `template-builder`,
 * `template-provisioner`). Sensitive values are never printed, in either mode.
 */
import { resolve } from "node:path";
import { loadTemplate } from "../../shared/template/index.js";
import { TemplateError } from "../../shared/template/errors.js";
import type { Template } from "../../shared/template/model.js";
import { packerTemplateErrorText, templateErrorLocations } from "../../shared/validation/template-error-text.js";
import { FlagError, formatFlagHelp, parseCommandFlags, type FlagSpecs } from "../flags.js";
import type { Command, CommandIO } from "../io.js";
import { MachineReadableSink } from "../output/terminal-sink.js";
import { loadHclForCommand, templateFlagSpecs, templatePathError, varFileOpenError, varPairs } from "../template-flags.js";
import { inspectHclText, isHcl2Target } from "../../shared/template/hcl2/packer/index.js";
import type { ParsedFlags } from "../flags.js";

/** HCL2: parse (errors stop it), initialise (errors ignored, as 1.6.6's inspect), print. */
async function inspectHcl(target: string, flags: ParsedFlags, io: CommandIO, machine: boolean): Promise<number> {
  const loaded = await loadHclForCommand(target, flags, io);
  if ("flagError" in loaded) {
    io.stderr.write(`${loaded.flagError}\n`);
    return 1;
  }
  if ("errorText" in loaded) {
    if (machine) new MachineReadableSink(io.stdout).line("", "ui", "error", loaded.errorText);
    else io.stdout.write(`${loaded.errorText}\n`);
    return 1;
  }
  const parts = inspectHclText(loaded.config);
  if (loaded.warningsText !== "") parts.unshift(loaded.warningsText);
  if (machine) {
    const sink = new MachineReadableSink(io.stdout);
    for (const part of parts) sink.line("", "ui", "say", part);
  } else io.stdout.write(parts.map((p) => `${p}\n`).join(""));
  return 0;
}

const flagSpecs: FlagSpecs = {
  ...templateFlagSpecs,
  "machine-readable": { kind: "bool", help: "Produce machine-readable output." },
};

export const help = `Usage: kiln inspect TEMPLATE

  Inspects a template, parsing and outputting the components a template
  defines. This does not validate the contents of a template (other than
  basic syntax by necessity).

Options:

  -machine-readable  Machine-readable output

Kiln options:

${formatFlagHelp(flagSpecs, ["machine-readable"])}`;

const NOTE =
  "\nNote: If your build names contain user variables or template\n" +
  "functions such as 'timestamp', these are processed at build time,\n" +
  "and therefore only show in their raw form here.";

export const run: Command = async (argv, io) => {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "inspect", help, template: "required", packer: true });
  if (!flags) return 1;
  const machine = io.machineReadable || flags.bools["machine-readable"] === true;
  const templatePath = flags.rest[0];
  const pathError = templatePathError(templatePath, io.cwd);
  if (pathError) {
    if (machine) new MachineReadableSink(io.stdout).line("", "ui", "error", pathError);
    else io.stdout.write(`${pathError}\n`);
    return 1;
  }
  if (isHcl2Target(templatePath, io.cwd)) return inspectHcl(templatePath, flags, io, machine);
  let template: Template;
  try {
    template = loadTemplate(resolve(io.cwd, templatePath), templatePath);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    const where = templateErrorLocations(e);
    const text = `Failed to parse template: ${packerTemplateErrorText(e)}${where.length > 0 ? `\n${where.join("\n")}` : ""}`;
    if (machine) new MachineReadableSink(io.stdout).line("", "ui", "error", text);
    else io.stdout.write(`${text}\n`);
    return 1;
  }
  const varFileError = varFileOpenError(flags, io.cwd);
  if (varFileError) {
    if (machine) new MachineReadableSink(io.stdout).line("", "ui", "error", varFileError);
    else io.stdout.write(`${varFileError}\n`);
    return 1;
  }
  let cliVars: [string, string][];
  try {
    cliVars = varPairs(flags);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 1;
  }
  const secrets = sensitiveValues(template, cliVars);
  const out = machine ? new MachineInspectOutput(io, secrets) : new HumanInspectOutput(io, secrets);
  inspectTemplate(template, out, secrets);
  return 0;
};

/** Values to hide: defaults of sensitive variables and `-var` values given for them. */
function sensitiveValues(t: Template, cliVars: [string, string][]): string[] {
  const sensitive = new Set(t.sensitiveVariables);
  const values = t.variables.filter((v) => sensitive.has(v.name)).map((v) => v.default ?? "");
  for (const [k, v] of cliVars) if (sensitive.has(k)) values.push(v);
  return values.filter((v) => v !== "");
}

interface InspectOutput {
  say(text: string): void;
  machine(type: string, ...data: string[]): void;
}

function inspectTemplate(t: Template, out: InspectOutput, secrets: readonly string[]): void {
  const sensitive = new Set(t.sensitiveVariables);
  out.say("Packer Inspect: JSON mode");
  if (t.description) {
    out.say("Description:\n");
    out.say(`${t.description}\n`);
  }
  const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const vars = [...t.variables].sort(byName);
  if (vars.length === 0) {
    out.say("Variables:\n");
    out.say("  <No variables>");
  } else {
    const width = Math.max(...vars.map((v) => v.name.length));
    const required = vars.filter((v) => v.required);
    if (required.length > 0) {
      out.say("Required variables:\n");
      for (const v of required) {
        out.machine("template-variable", v.name, "", "1");
        out.say(`  ${v.name}`);
      }
      out.say("");
    }
    out.say("Optional variables and their defaults:\n");
    for (const v of vars.filter((x) => !x.required)) {
      const value = v.default ?? "";
      // A default equal to a secret is hidden too: it is the same secret under another name.
      const shown = sensitive.has(v.name) || (value !== "" && secrets.includes(value)) ? "<sensitive>" : value;
      out.machine("template-variable", v.name, shown, "0");
      out.say(`  ${v.name.padEnd(width)} = ${shown}`);
    }
  }
  out.say("");
  out.say("Builders:\n");
  const builders = [...t.builders].sort(byName);
  if (builders.length === 0) out.say("  <No builders>");
  const bWidth = Math.max(0, ...builders.map((b) => b.name.length));
  for (const b of builders) {
    out.machine("template-builder", b.name, b.type);
    out.say(`  ${b.name.padEnd(bWidth)}${b.name !== b.type ? ` (${b.type})` : ""}`);
  }
  out.say("");
  out.say("Provisioners:\n");
  if (t.provisioners.length === 0) out.say("  <No provisioners>");
  for (const p of t.provisioners) {
    out.machine("template-provisioner", p.type);
    out.say(`  ${p.type}`);
  }
  out.say(NOTE);
}

/** Replaces every secret in a text, longest first, as Packer's UI filter does. */
function masker(secrets: readonly string[]): (text: string) => string {
  const sorted = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  return (text) => sorted.reduce((acc, s) => acc.split(s).join("<sensitive>"), text);
}

/** Packer masks secrets in everything its UI prints, wherever they appear (even in a variable name). */
class HumanInspectOutput implements InspectOutput {
  private readonly mask: (text: string) => string;

  constructor(private readonly io: CommandIO, secrets: readonly string[]) {
    this.mask = masker(secrets);
  }

  say(text: string): void {
    this.io.stdout.write(`${this.mask(text)}\n`);
  }

  machine(): void {}
}

/**
 * Machine-readable lines. Packer 1.6.6 skipped its text filter here and leaked secrets; Kiln masks
 * every field the same way as the human output.
 */
class MachineInspectOutput implements InspectOutput {
  private readonly sink: MachineReadableSink;
  private readonly mask: (text: string) => string;

  constructor(io: CommandIO, secrets: readonly string[]) {
    this.sink = new MachineReadableSink(io.stdout);
    this.mask = masker(secrets);
  }

  say(text: string): void {
    this.sink.line("", "ui", "say", this.mask(text));
  }

  machine(type: string, ...data: string[]): void {
    // The last field of template-variable is Packer's required flag ("0"/"1"), never a secret.
    const masked = data.map((d, i) => (type === "template-variable" && i === data.length - 1 ? d : this.mask(d)));
    this.sink.line("", type, ...masked);
  }
}
