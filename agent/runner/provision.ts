/**
 * Packer's provision hook: run the build's provisioners in template order over the builder's
 * communicator, each prepared with the data the builder generated, with `pause_before`,
 * `max_retries` and `timeout` applied.
 */
import { errorMessage } from "../../shared/error-message.js";
import { setTimeout as sleep } from "node:timers/promises";
import { formatGoDuration } from "../../shared/template/duration.js";
import type { PlannedProvisioner } from "../../shared/plan/build-spec.js";
import { prepareContextFor } from "../../shared/plan/build-interpolation.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import type { PluginCatalogue } from "../catalogue.js";
import type { Communicator } from "../communicators/types.js";
import type { GeneratedData, RunContext } from "./context.js";
import { BuildCancelledError } from "./steps.js";

export class ProvisionerTimeoutError extends Error {
  constructor(type: string, ms: number) {
    super(`provisioner "${type}" timed out after ${formatGoDuration(ms)} (its "timeout" key)`);
    this.name = "ProvisionerTimeoutError";
  }
}

export async function runProvisioner(
  ctx: RunContext,
  spec: BuildSpec,
  p: PlannedProvisioner,
  comm: Communicator,
  generated: GeneratedData,
  catalogue: PluginCatalogue,
): Promise<void> {
  if (p.pauseBeforeMs > 0) {
    ctx.ui.say(`Pausing ${formatGoDuration(p.pauseBeforeMs)} before the next provisioner...`);
    await sleep(p.pauseBeforeMs, undefined, { signal: ctx.signal }).catch(() => {
      throw new BuildCancelledError();
    });
  }
  const plugin = await catalogue.provisioner(p.type);
  const prepare = prepareContextFor(spec, ctx.workDir, generated);
  const config = plugin.schema.prepare(p.raw, prepare);
  const began = performance.now();
  ctx.ui.event?.({ type: "provisioner-started", provisioner: p.type });
  for (let attempt = 0; ; attempt++) {
    try {
      await withTimeout(ctx, p, (signal) => plugin.provision({ ...ctx, signal, prepare, comm, generated }, config));
      ctx.ui.event?.({ type: "provisioner-finished", provisioner: p.type, durationMs: performance.now() - began });
      return;
    } catch (e) {
      const left = p.maxRetries - attempt;
      if (ctx.signal.aborted || left <= 0) {
        ctx.ui.event?.({ type: "provisioner-finished", provisioner: p.type, durationMs: performance.now() - began, error: errorMessage(e) });
      }
      if (ctx.signal.aborted) throw new BuildCancelledError();
      if (left <= 0) throw e;
      const message = errorMessage(e);
      ctx.ui.say(`Provisioner failed with ${JSON.stringify(message)}, retrying with ${left} trie(s) left`);
    }
  }
}

async function withTimeout(ctx: RunContext, p: PlannedProvisioner, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
  if (p.timeoutMs <= 0) return work(ctx.signal);
  ctx.ui.say(`Setting a ${formatGoDuration(p.timeoutMs)} timeout for the next provisioner...`);
  const timer = new AbortController();
  const handle = setTimeout(() => timer.abort(), p.timeoutMs);
  try {
    await work(AbortSignal.any([ctx.signal, timer.signal]));
  } catch (e) {
    if (timer.signal.aborted && !ctx.signal.aborted) throw new ProvisionerTimeoutError(p.type, p.timeoutMs);
    throw e;
  } finally {
    clearTimeout(handle);
  }
  if (timer.signal.aborted && !ctx.signal.aborted) throw new ProvisionerTimeoutError(p.type, p.timeoutMs);
}
