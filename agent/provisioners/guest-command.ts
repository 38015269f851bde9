/**
 * A command on the machine being built with its output in the build's log line by line, as
 * Packer's RemoteCmd.RunWithUi: what the staging provisioners (ansible-local, puppet-masterless)
 * run. Resolves with the exit status; a cancel while it runs is the build's cancel.
 */
import { BuildCancelledError } from "../runner/steps.js";
import type { ProvisionContext } from "../runner/context.js";
import { OutputLines } from "./shell/output-lines.js";
import { outputLinesTo } from "../runner/ui.js";

export async function runGuestCommand(ctx: ProvisionContext, command: string): Promise<number> {
  const out = new OutputLines((line) => ctx.ui.message(line), outputLinesTo(ctx.ui, "message"));
  const err = new OutputLines((line) => ctx.ui.error(line), outputLinesTo(ctx.ui, "error"));
  let code: number;
  try {
    code = await ctx.comm.run({ command, onStdout: (c) => out.push(c), onStderr: (c) => err.push(c) }, ctx.signal);
  } finally {
    out.flush();
    err.flush();
  }
  if (ctx.signal.aborted) throw new BuildCancelledError();
  return code;
}

/** Runs a command that must succeed; `what` names it in the error. */
export async function guestCommandOk(ctx: ProvisionContext, command: string, what: string): Promise<void> {
  const code = await runGuestCommand(ctx, command);
  if (code !== 0) throw new Error(`${what}: Non-zero exit status: ${code}. See output above for more information.`);
}
