/**
 * `kiln console [-var k=v] [-var-file f] [TEMPLATE]`: evaluates one template expression per line of
 * standard input against the template's variables, as `packer console` 1.6.6 does for JSON
 * templates (no `env`, `build_name` or `packer_version` there). Unlike Packer, a line that fails
 * makes the exit status 1 (the other lines are still evaluated).
 */
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { loadTemplate, resolveVariables, TemplateError } from "../../shared/template/index.js";
import { InterpolationError, render } from "../../shared/template/interpolate/index.js";
import type { InterpolationContext } from "../../shared/template/interpolate/context.js";
import { formatDiagnostics } from "../../shared/validation/diagnostics.js";
import { packerTemplateErrorText } from "../../shared/validation/template-error-text.js";
import { wordWrap } from "../../shared/validation/word-wrap.js";
import { FlagError, formatFlagHelp, parseCommandFlags, type FlagSpecs } from "../flags.js";
import type { Command, CommandIO } from "../io.js";
import { loadHclForCommand, templateFlagSpecs, templatePathError, varPairs } from "../template-flags.js";
import type { ParsedFlags } from "../flags.js";
import { MachineReadableSink } from "../output/terminal-sink.js";
import { evaluateConsoleLine, isHcl2Target } from "../../shared/template/hcl2/packer/index.js";
import { formatHclDiagnostics } from "../../shared/template/hcl2/syntax/index.js";

/** HCL2 mode (PackerConfig.EvaluateExpression): one HCL expression per line; an error makes the exit status 1. */
async function hclConsole(target: string, flags: ParsedFlags, io: CommandIO): Promise<number> {
  const loaded = await loadHclForCommand(target, flags, io);
  if ("flagError" in loaded) {
    io.stderr.write(`${loaded.flagError}\n`);
    return 1;
  }
  if ("errorText" in loaded) {
    io.stdout.write(`${loaded.errorText}\n`);
    return 1;
  }
  // Like Packer's console, a template whose variables or builds fail still answers expressions.
  const config = loaded.config;
  const interactive = "isTTY" in io.stdin && io.stdin.isTTY === true;
  let failed = false;
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  if (interactive) io.stdout.write("> ");
  for await (const line of lines) {
    const { out, exit, diagnostics } = evaluateConsoleLine(config, line.trim());
    if (exit) break;
    if (diagnostics.some((d) => d.severity === "error")) {
      failed = true;
      io.stdout.write(`${formatHclDiagnostics(diagnostics, new Map())}\n\n`);
    } else if (line.trim() !== "") io.stdout.write(`${out}\n`);
    if (interactive) io.stdout.write("> ");
  }
  return failed ? 1 : 0;
}

const flagSpecs: FlagSpecs = {
  var: templateFlagSpecs.var,
  "var-file": templateFlagSpecs["var-file"],
};

export const help = `Usage: kiln console [options] [TEMPLATE]

  Creates a console for testing variable interpolation.
  If a template is provided, this command will load the template and any
  variables defined therein into its context to be referenced during
  interpolation.

Options:
  -var 'key=value'       Variable for templates, can be used multiple times.
  -var-file=path         JSON or HCL2 file containing user variables. [ Note that even in HCL mode this expects file to contain JSON, a fix is comming soon ]

Kiln: expressions are read one per line from standard input; unlike packer
console, the exit status is 1 when any line failed to evaluate (every line is
still evaluated), so scripts can rely on it.`;

export const run: Command = async (argv, io) => {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "console", help, template: "optional", packer: true });
  if (!flags) return 1;
  const pathError = flags.rest[0] === undefined ? undefined : templatePathError(flags.rest[0], io.cwd);
  if (pathError) {
    if (io.machineReadable) new MachineReadableSink(io.stdout).line("", "ui", "error", pathError);
    else io.stdout.write(`${pathError}\n`);
    return 1;
  }
  if (flags.rest[0] !== undefined && isHcl2Target(flags.rest[0], io.cwd)) return hclConsole(flags.rest[0], flags, io);
  const initTime = new Date();
  const ctx: InterpolationContext = { userVariables: {}, enableEnv: false, cwd: io.cwd, initTime, env: io.env };
  const templatePath = flags.rest[0];
  try {
    const vars = varPairs(flags);
    const varFiles = flags.lists["var-file"] ?? []; // resolved against io.cwd there, and named as given
    if (templatePath !== undefined) {
      let template;
      try {
        template = loadTemplate(resolve(io.cwd, templatePath), templatePath);
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        io.stdout.write(`Failed to parse template: ${packerTemplateErrorText(e)}\n`);
        return 1;
      }
      const resolved = resolveVariables(template, { vars, varFiles, env: io.env, cwd: io.cwd, initTime });
      ctx.userVariables = resolved.values;
      ctx.declaredVariables = new Set(template.variables.map((v) => v.name));
      ctx.templatePath = template.file;
    } else {
      ctx.userVariables = Object.fromEntries(vars);
    }
  } catch (e) {
    if (e instanceof FlagError) {
      io.stderr.write(`${e.message}\n`);
      return 1;
    }
    if (!(e instanceof TemplateError)) throw e;
    io.stdout.write(formatDiagnostics([{ summary: "", detail: packerTemplateErrorText(e) }]));
    return 1;
  }

  const interactive = "isTTY" in io.stdin && io.stdin.isTTY === true;
  let failed = false;
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  if (interactive) io.stdout.write("> ");
  for await (const line of lines) {
    if (interactive && (line.trim() === "exit" || line.trim() === "quit")) break;
    try {
      io.stdout.write(`${render(line, ctx)}\n`);
    } catch (e) {
      if (!(e instanceof InterpolationError)) throw e;
      failed = true;
      io.stdout.write(`Error: Interpolation error\n\n${wordWrap(e.message)}\n\n`);
    }
    if (interactive) io.stdout.write("> ");
  }
  return failed ? 1 : 0;
};
