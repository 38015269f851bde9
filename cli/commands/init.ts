/**
 * `kiln init [-upgrade] [config.pkr.hcl|folder/]`, for configurations written for Packer 1.7+,
 * whose READMEs say `packer init .` before `packer build .`.
 *
 * Packer downloads the plugins `packer { required_plugins { ... } }` names. Kiln loads no plugins:
 * its components are built in. So init installs nothing; it says, for each required plugin, which
 * built-in components stand for it, and fails (exit 1) naming any plugin Kiln has none of, before
 * a build would fail on its "Unknown source type". As Packer's init, it refuses JSON templates.
 */
import { formatHclDiagnostics } from "../../shared/template/hcl2/syntax/index.js";
import { requiredPlugins } from "../../shared/template/hcl2/packer/required-plugins.js";
import { isHcl2Target } from "../../shared/template/hcl2/packer/template-files.js";
import { formatFlagHelp, parseCommandFlags, type FlagSpecs } from "../flags.js";
import type { Command } from "../io.js";
import { MachineReadableSink } from "../output/terminal-sink.js";
import { parseHclForCommand } from "../template-flags.js";

const flagSpecs: FlagSpecs = {
  upgrade: { kind: "bool", help: "Accepted as Packer's: Kiln's components are built in, so there is nothing to upgrade." },
  var: { kind: "list", help: "Variable for templates, can be used multiple times.", placeholder: "'key=value'" },
  "var-file": { kind: "list", help: "HCL2 or JSON file of variable values, can be used multiple times.", placeholder: "path" },
  "machine-readable": { kind: "bool", help: "Produce machine-readable output." },
};

export const help = `Usage: kiln init [options] [config.pkr.hcl|folder/]

  Checks that every plugin the configuration's packer { required_plugins { ... } } block
  names is available. Kiln loads no Packer plugins: its builders, provisioners and
  post-processors are built in, so nothing is downloaded; each required plugin is listed with
  the built-in components that stand for it. A plugin Kiln has none of is an error (exit 1).

  Safe to run any number of times: it changes nothing.

Options:

${formatFlagHelp(flagSpecs)}`;

export const run: Command = async (argv, io) => {
  const flags = parseCommandFlags(argv, flagSpecs, io, { name: "init", help, template: "required" });
  if (!flags) return 1;
  const machine = io.machineReadable || flags.bools["machine-readable"] === true ? new MachineReadableSink(io.stdout) : undefined;
  const say = (text: string): void => {
    if (machine) machine.line("", "ui", "say", text);
    else io.stdout.write(`${text}\n`);
  };
  const error = (text: string): void => {
    if (machine) machine.line("", "ui", "error", text);
    else io.stderr.write(`${text}\n`);
  };
  const target = flags.rest[0];
  if (!isHcl2Target(target, io.cwd)) {
    io.stdout.write(
      formatHclDiagnostics(
        [{ severity: "error", summary: "Packer init is supported for HCL2 configuration templates only", detail: "Please manually install plugins or use a HCL2 configuration that will do that for you." }],
        new Map(),
      ),
    );
    return 1;
  }
  const parsed = await parseHclForCommand(target, flags, io);
  if ("flagError" in parsed) {
    io.stderr.write(`${parsed.flagError}\n`);
    return 1;
  }
  if ("errorText" in parsed) {
    io.stdout.write(parsed.errorText);
    return 1;
  }
  const { plugins } = requiredPlugins(parsed.config.templateFiles);
  let status = 0;
  for (const plugin of plugins) {
    const wanted = plugin.version ? ` ${plugin.version}` : "";
    if (plugin.builtIn.length > 0) {
      say(`${plugin.source}${wanted}: built into Kiln (${plugin.builtIn.join(", ")}); nothing to install`);
      continue;
    }
    error(
      `Failed getting the "${plugin.source}" plugin:\n` +
        `Kiln does not load Packer plugins: its components are built in, and none of them comes from ${plugin.source} ` +
        `(required as "${plugin.name}" at ${plugin.range.file}:${plugin.range.start.line}). Builds that use its components will fail with "Unknown source type".`,
    );
    status = 1;
  }
  return status;
};
