import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import type { ShellLocalConfig } from "../../shared/components/shell-local-config.js";
import { render } from "../../shared/template/interpolate/index.js";
import type { InterpolationContext } from "../../shared/template/interpolate/context.js";
import type { GeneratedData, RunContext } from "../runner/context.js";
import { outputLinesTo } from "../runner/ui.js";
import { flattenEnvVars } from "./env-vars.js";
import { writeInlineScript } from "./inline-script.js";
import { runProcessGroup, SpawnError } from "./process-group.js";

/** A script ended with an exit code not in `valid_exit_codes`. */
export class InvalidExitCodeError extends Error {
  constructor(readonly code: number, readonly allowed: readonly number[]) {
    // Go prints a []int as "[0 2]".
    // Packer's words, missing space included (packer-plugin-sdk/shell ErrorInvalidExitCode).
    super(`Script exited with non-zero exit status: ${code}.Allowed exit codes are: [${allowed.join(" ")}]`);
    this.name = "InvalidExitCodeError";
  }
}

/** A script stopped by its signal (a cancel, a provisioner `timeout`): Packer's RunWithUi error. */
export class ShellLocalCancelledError extends Error {
  constructor(absScript: string) {
    super(`Error executing script: ${absScript}\n\nPlease see output above for more information.`);
    this.name = "ShellLocalCancelledError";
  }
}

/**
 * Runs a shell-local configuration on this machine, as Packer's provisioner and post-processor
 * both do: inline commands become a temporary script; each script runs through
 * `execute_command` (rendered with `.Vars`, `.Script`, `.Command` and the build's generated
 * data) in the working directory; output goes to the build's UI line by line (stdout as
 * messages, stderr as errors). Throws on a bad exit code, a start failure or a cancel.
 */
export async function runShellLocal(ctx: RunContext, config: ShellLocalConfig, generated: GeneratedData): Promise<void> {
  if (config.onlyOn.length > 0 && !config.onlyOn.includes(goos())) {
    ctx.ui.say("Skipping shell-local due to runtime OS");
    return;
  }
  // Packer renders these a second time at run time, with the generated data as dot data.
  const runtime: InterpolationContext = { ...ctx.prepare.interpolation, generated, data: { ...generated } };

  let tempScript: string | undefined;
  try {
    let scripts = config.scripts;
    if (scripts.length === 0 && config.inline !== undefined) {
      const commands = config.inline.map((c) => render(c, runtime));
      tempScript = await writeInlineScript(ctx.scratchDir, commands, config.inlineShebang, config.tempfileExtension);
      scripts = [tempScript];
    }
    const vars = flattenEnvVars({
      buildName: ctx.build.name,
      builderType: ctx.build.type,
      generated,
      environmentVars: config.environmentVars.map((kv) => render(kv, runtime)),
      env: Object.fromEntries(Object.entries(config.env).map(([k, v]) => [k, render(v, runtime)])),
      format: config.envVarFormat,
    });
    const env: NodeJS.ProcessEnv = { ...process.env };
    // Packer's children inherit PACKER_RUN_UUID from the packer process; ours get it explicitly.
    if (generated.PackerRunUUID !== undefined) env.PACKER_RUN_UUID = generated.PackerRunUUID;

    for (const script of scripts) {
      const absScript = resolve(ctx.workDir, script);
      const argv = renderExecuteCommand(config.executeCommand, runtime, { Vars: vars, Script: absScript, Command: absScript });
      ctx.ui.say(`Running local shell script: ${script}`);
      let result;
      try {
        result = await runProcessGroup(argv, {
          cwd: ctx.workDir,
          env,
          signal: ctx.signal,
          onStdoutLine: (line) => ctx.ui.message(line),
          onStderrLine: (line) => ctx.ui.error(line),
          onStdoutLines: outputLinesTo(ctx.ui, "message"),
          onStderrLines: outputLinesTo(ctx.ui, "error"),
        });
      } catch (e) {
        const cause = e instanceof SpawnError ? e.message : String(e);
        throw new Error(`Error executing script: ${absScript}\n\n${cause}\nPlease see output above for more information.`);
      }
      if (result.cancelled) throw new ShellLocalCancelledError(absScript);
      const allowed = config.validExitCodes.length > 0 ? config.validExitCodes : [0];
      if (!allowed.includes(result.exitCode)) throw new InvalidExitCodeError(result.exitCode, allowed);
    }
  } finally {
    if (tempScript !== undefined) await rm(tempScript, { force: true });
  }
}

function renderExecuteCommand(template: readonly string[], runtime: InterpolationContext, dot: Record<string, string>): string[] {
  const ctx: InterpolationContext = { ...runtime, data: { ...runtime.data, ...dot } };
  return template.map((part) => {
    try {
      return render(part, ctx);
    } catch (e) {
      throw new Error(`Error processing command: ${(e as Error).message}`);
    }
  });
}

/** Go's runtime.GOOS name for this platform, which `only_on` lists. */
function goos(): string {
  const names: Partial<Record<NodeJS.Platform, string>> = { win32: "windows", sunos: "solaris" };
  return names[process.platform] ?? process.platform;
}
