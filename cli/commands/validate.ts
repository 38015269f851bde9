/**
 * `kiln validate [-syntax-only] [-var k=v] [-var-file f] [-only a,b] [-except a,b] TEMPLATE`, as
 * `packer validate` 1.6.6: nothing printed on success; every error on stdout, exit status 1.
 */
import { checkBuilds, keysOnlyNote } from "../../shared/validation/check-builds.js";
import { formatDiagnostics, type Diagnostic } from "../../shared/validation/diagnostics.js";
import { FlagError, formatFlagHelp, parseCommandFlags, type FlagSpecs } from "../flags.js";
import type { Command, CommandIO } from "../io.js";
import { MachineReadableSink } from "../output/terminal-sink.js";
import { isHcl2Target, planHclTemplate } from "../../shared/validation/load-and-plan.js";
import { loadForCommand, planForCommand, planInputs, templateFlagSpecs, templatePathError, varFileOpenError } from "../template-flags.js";

const flagSpecs: FlagSpecs = {
  "syntax-only": { kind: "bool", help: "Only check syntax. Do not verify config of the template." },
  ...templateFlagSpecs,
  "machine-readable": { kind: "bool", help: "Produce machine-readable output." },
};

/** The flags packer validate 1.6.6 has, listed first in its own words. */
const packerValidateFlags = ["syntax-only", "except", "only", "var", "var-file"];

export const help = `Usage: kiln validate [options] TEMPLATE

  Checks the template is valid by parsing the template and also
  checking the configuration with the various builders, provisioners, etc.

  If it is not valid, the errors will be shown and the command will exit
  with a non-zero exit status. If it is valid, it will exit with a zero
  exit status.

Options:

  -syntax-only           Only check syntax. Do not verify config of the template.
  -except=foo,bar,baz    Validate all builds other than these.
  -only=foo,bar,baz      Validate only these builds.
  -var 'key=value'       Variable for templates, can be used multiple times.
  -var-file=path         JSON or HCL2 file containing user variables. [ Note that even in HCL mode this expects file to contain JSON, a fix is comming soon ]

Kiln options:

${formatFlagHelp(flagSpecs, packerValidateFlags)}`;

export const run: Command = async (argv, io) => {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "validate", help, template: "required", packer: true });
  if (!flags) return 1;
  const out = new ValidateOutput(io, io.machineReadable || flags.bools["machine-readable"] === true);
  const templatePath = flags.rest[0];
  const cwd = io.cwd;
  const pathError = templatePathError(templatePath, cwd);
  if (pathError) {
    out.error(pathError, []);
    return 1;
  }

  if (isHcl2Target(templatePath, cwd)) {
    let checked;
    try {
      checked = await planHclTemplate(templatePath, planInputs(flags), cwd, io.env, { syntaxOnly: flags.bools["syntax-only"] === true });
    } catch (e) {
      if (!(e instanceof FlagError)) throw e;
      io.stderr.write(`${e.message}\n`);
      return 1;
    }
    if (!checked.ok) {
      out.error(checked.text.replace(/\n$/, ""), []);
      return 1;
    }
    if (checked.warnings) out.sayText(checked.warnings);
    if (checked.notes) io.stderr.write(checked.notes);
    if (flags.bools["syntax-only"]) out.say("Syntax-only check passed. Everything looks okay.");
    return 0;
  }
  const loaded = loadForCommand(templatePath, cwd);
  if (!loaded.ok) {
    out.error(loaded.text, loaded.where);
    return 1;
  }
  if (flags.bools["syntax-only"]) {
    out.say("Syntax-only check passed. Everything looks okay.");
    return 0;
  }
  const varFileError = varFileOpenError(flags, cwd);
  if (varFileError) {
    out.error(varFileError, []);
    return 1;
  }
  let planned;
  try {
    planned = planForCommand(loaded.template, flags, cwd, io.env);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr.write(`${e.message}\n`);
    return 1;
  }
  if (!planned.ok) {
    out.diagnostics(planned.diagnostics);
    return 1;
  }
  const result = checkBuilds(planned.specs, cwd, { hostPrograms: true });
  const note = keysOnlyNote(result.keysOnly);
  if (note) io.stderr.write(`${note}\n`);
  if (result.diagnostics.length > 0) {
    out.diagnostics(result.reported);
    return 1;
  }
  // Packer says its warnings (ui.Say) and validates.
  if (result.warnings.length > 0) out.sayDiagnostics(result.warnings);
  return 0;
};

/** Packer's two ways of saying things: plain text on stdout, or machine-readable `ui` lines. */
class ValidateOutput {
  private readonly machine?: MachineReadableSink;

  constructor(private readonly io: CommandIO, machineReadable: boolean) {
    if (machineReadable) this.machine = new MachineReadableSink(io.stdout);
  }

  say(text: string): void {
    if (this.machine) this.machine.line("", "ui", "say", text);
    else this.io.stdout.write(`${text}\n`);
  }

  error(text: string, where: string[]): void {
    const full = where.length > 0 ? `${text}\n${where.join("\n")}` : text;
    if (this.machine) this.machine.line("", "ui", "error", full);
    else this.io.stdout.write(`${full}\n`);
  }

  /** Warnings only: Packer's ui.Say of the same blocks. */
  sayDiagnostics(diags: Diagnostic[]): void {
    this.sayText(formatDiagnostics(diags));
  }

  /** Text that ends with the newline Packer's ui.Say adds (a machine-readable line does not carry it). */
  sayText(text: string): void {
    if (this.machine) this.machine.line("", "ui", "say", text.replace(/\n$/, ""));
    else this.io.stdout.write(text);
  }

  diagnostics(diags: Diagnostic[]): void {
    const text = formatDiagnostics(diags);
    if (this.machine) this.machine.line("", "ui", "error", text.replace(/\n$/, ""));
    else this.io.stdout.write(text);
  }
}
