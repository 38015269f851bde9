import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { schema, type Config } from "../../../shared/components/provisioners/shell.js";
import { render } from "../../../shared/template/interpolate/index.js";
import type { InterpolationContext } from "../../../shared/template/interpolate/context.js";
import { DisconnectedError, type Communicator } from "../../communicators/types.js";
import type { ProvisionContext } from "../../runner/context.js";
import { outputLinesTo } from "../../runner/ui.js";
import type { ProvisionerPlugin } from "../types.js";
import { flattenEnvVars } from "../../local-shell/env-vars.js";
import { OutputLines } from "./output-lines.js";
import { retryUntil } from "./start-retry.js";

/** Packer's exit status for "the connection dropped"; listing it in valid_exit_codes accepts a drop. */
const CMD_DISCONNECT = 2300218;

interface ScriptToRun {
  /** As shown in "Provisioning with shell script: …". */
  shown: string;
  localPath: string;
}

export const plugin: ProvisionerPlugin<Config> = { schema, provision };

async function provision(ctx: ProvisionContext, config: Config): Promise<void> {
  const interpolation: InterpolationContext = { ...ctx.prepare.interpolation, generated: ctx.generated };
  const scripts: ScriptToRun[] = config.scripts.map((s) => ({ shown: s, localPath: path.resolve(ctx.workDir, s) }));
  if (config.inline) scripts.push(await writeInlineScript(ctx, config, interpolation));

  // The same variables and quoting as shell-local (PACKER_BUILD_NAME, PACKER_HTTP_*, environment_vars, env).
  const flattened = flattenEnvVars({
    buildName: ctx.build.name,
    builderType: ctx.build.type,
    generated: ctx.generated,
    environmentVars: config.environmentVars,
    env: config.env,
    format: config.envVarFormat,
  });
  const envVarFile = config.useEnvVarFile ? await uploadEnvVarFile(ctx, config, flattened) : "";

  for (const script of scripts) {
    ctx.ui.say(`Provisioning with shell script: ${script.shown}`);
    let body: Buffer;
    try {
      body = await readFile(script.localPath);
    } catch (e) {
      throw new Error(`Error opening shell script: ${(e as Error).message}`);
    }
    if (!config.binary) body = toUnixLineEndings(body);
    const command = renderCommand(config.executeCommand, interpolation, ctx, { Vars: flattened, EnvVarFile: envVarFile, Path: config.remotePath });

    // Upload, chmod and start in one retried unit: after a reboot the uploaded file may be gone.
    const status = await retryUntil(config.startRetryTimeoutMs, ctx.signal, async () => {
      await ctx.comm.upload(config.remotePath, body).catch((e: Error) => {
        throw new Error(`Error uploading script: ${e.message}`);
      });
      await runQuiet(ctx.comm, `chmod 0755 ${config.remotePath}`, ctx.signal).catch((e: Error) => {
        throw new Error(`Error chmodding script file to 0755 in remote machine: ${e.message}`);
      });
      return runWithUi(ctx, command);
    });

    if (status === "disconnected") {
      if (!config.expectDisconnect && !config.validExitCodes.includes(CMD_DISCONNECT)) {
        throw new Error(
          "Script disconnected unexpectedly. If you expected your script to disconnect, i.e. from a restart, " +
            'you can try adding `"expect_disconnect": true` or `"valid_exit_codes": [0, 2300218]` to the shell provisioner parameters.',
        );
      }
    } else {
      checkExitCode(status, config.validExitCodes);
    }
    if (!config.skipClean) await removeRemoteFile(ctx, config, config.remotePath);
  }

  if (envVarFile !== "" && !config.skipClean) await removeRemoteFile(ctx, config, envVarFile);

  if (config.pauseAfterMs > 0) {
    ctx.ui.say(`Pausing ${formatSeconds(config.pauseAfterMs)} after this provisioner...`);
    await sleep(config.pauseAfterMs, undefined, { signal: ctx.signal });
  }
}

/** Packer writes inline commands to a local temporary script starting with `#!inline_shebang`. */
async function writeInlineScript(ctx: ProvisionContext, config: Config, interpolation: InterpolationContext): Promise<ScriptToRun> {
  const lines = [`#!${config.inlineShebang}`];
  for (const command of config.inline ?? []) {
    try {
      lines.push(render(command, { ...interpolation, data: { ...ctx.generated } }));
    } catch (e) {
      throw new Error(`Error interpolating Inline: ${(e as Error).message}`);
    }
  }
  const localPath = path.join(ctx.scratchDir, `packer-shell${process.pid}${Math.floor(Math.random() * 1e9)}`);
  await writeFile(localPath, lines.join("\n") + "\n", { mode: 0o600 });
  return { shown: localPath, localPath };
}

async function uploadEnvVarFile(ctx: ProvisionContext, config: Config, content: string): Promise<string> {
  const remote = `${config.remoteFolder}/varfile_${Math.floor(Math.random() * 9999)}.sh`;
  const body = Buffer.from(content);
  await retryUntil(config.startRetryTimeoutMs, ctx.signal, async () => {
    await ctx.comm.upload(remote, config.binary ? body : toUnixLineEndings(body)).catch((e: Error) => {
      throw new Error(`Error uploading envVarFile: ${e.message}`);
    });
    await runQuiet(ctx.comm, `chmod 0600 ${remote}`, ctx.signal).catch((e: Error) => {
      throw new Error(`Error chmodding script file to 0600 in remote machine: ${e.message}`);
    });
  });
  return remote;
}

function renderCommand(
  executeCommand: string,
  interpolation: InterpolationContext,
  ctx: ProvisionContext,
  data: { Vars: string; EnvVarFile: string; Path: string },
): string {
  try {
    return render(executeCommand, { ...interpolation, data: { ...ctx.generated, ...data } });
  } catch (e) {
    throw new Error(`Error processing command: ${(e as Error).message}`);
  }
}

/** Runs the script with its output on the build UI (stdout as messages, stderr as errors, like Packer). */
async function runWithUi(ctx: ProvisionContext, command: string): Promise<number | "disconnected"> {
  const out = new OutputLines((l) => ctx.ui.message(l), outputLinesTo(ctx.ui, "message"));
  const err = new OutputLines((l) => ctx.ui.error(l), outputLinesTo(ctx.ui, "error"));
  try {
    return await ctx.comm.run({ command, onStdout: (s) => out.push(s), onStderr: (s) => err.push(s) }, ctx.signal);
  } catch (e) {
    // The command started and the link dropped (a reboot): a result, not a failure to start.
    if (e instanceof DisconnectedError) return "disconnected";
    throw e;
  } finally {
    out.flush();
    err.flush();
  }
}

/** A housekeeping command; a drop counts as a failure so that the caller retries it. */
async function runQuiet(comm: Communicator, command: string, signal: AbortSignal): Promise<number> {
  return comm.run({ command }, signal);
}

async function removeRemoteFile(ctx: ProvisionContext, config: Config, remotePath: string): Promise<void> {
  await retryUntil(config.startRetryTimeoutMs, ctx.signal, async () => {
    let status: number;
    try {
      status = await runQuiet(ctx.comm, `rm -f ${remotePath}`, ctx.signal);
    } catch (e) {
      if (e instanceof DisconnectedError) throw new Error("Disconnect while removing temporary script.");
      throw new Error(`Error removing temporary script at ${remotePath}: ${(e as Error).message}`);
    }
    if (status !== 0) throw new Error(`Error removing temporary script at ${remotePath}!`);
  });
}

/** Packer 1.6.6's wording, byte for byte (including the missing space after the first period). */
function checkExitCode(status: number, valid: readonly number[]): void {
  const allowed = valid.length > 0 ? valid : [0];
  if (!allowed.includes(status)) {
    throw new Error(`Script exited with non-zero exit status: ${status}.Allowed exit codes are: [${allowed.join(" ")}]`);
  }
}

function toUnixLineEndings(b: Buffer): Buffer {
  return Buffer.from(b.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
}

function formatSeconds(ms: number): string {
  return `${ms / 1000}s`;
}
