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
import { goQuote } from "../../shared/template/interpolate/go-fmt.js";

export async function runProvisioner(
  ctx: RunContext,
  spec: BuildSpec,
  p: PlannedProvisioner,
  comm: Communicator,
  generated: GeneratedData,
  catalogue: PluginCatalogue,
): Promise<void> {
  const plugin = await catalogue.provisioner(p.type);
  const prepare = prepareContextFor(spec, ctx.workDir, generated);
  const config = plugin.schema.prepare(p.raw, prepare);
  const began = performance.now();
  ctx.ui.event?.({ type: "provisioner-started", provisioner: p.type });
  // Packer 1.6.6 wraps a provisioner as Retried(Paused(P)) or Retried(Timeout(P)): the pause comes
  // again before every retry, and `timeout` is ignored when `pause_before` is set.
  const once = async (): Promise<void> => {
    if (p.pauseBeforeMs > 0) {
      ctx.ui.say(`Pausing ${formatGoDuration(p.pauseBeforeMs)} before the next provisioner...`);
      await sleep(p.pauseBeforeMs, undefined, { signal: ctx.signal }).catch(() => {
        throw new BuildCancelledError();
      });
      return plugin.provision({ ...ctx, prepare, comm, generated }, config);
    }
    return withTimeout(ctx, p, (signal) => plugin.provision({ ...ctx, signal, prepare, comm, generated }, config));
  };
  const finished = (error?: unknown): void =>
    void ctx.ui.event?.({ type: "provisioner-finished", provisioner: p.type, durationMs: performance.now() - began, ...(error !== undefined ? { error: errorMessage(error) } : {}) });
  // Packer's RetriedProvisioner reports the first failure on every retry and returns it at the end.
  let firstError: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      await once();
      finished();
      return;
    } catch (e) {
      if (ctx.signal.aborted) {
        finished(e);
        throw new BuildCancelledError();
      }
      if (attempt === 0) firstError = e;
      if (p.maxRetries === 0) {
        finished(e);
        throw e;
      }
      const left = p.maxRetries - attempt;
      if (left <= 0) {
        ctx.ui.say("retry limit reached.");
        finished(firstError);
        throw firstError;
      }
      ctx.ui.say(`Provisioner failed with ${goQuote(errorMessage(firstError))}, retrying with ${left} trie(s) left`);
    }
  }
}

/**
 * Packer's TimeoutProvisioner: the provisioner's context ends at the deadline, which is said as
 * an error line, and the provisioner's own answer to that (its error, or none) is the outcome.
 */
async function withTimeout(ctx: RunContext, p: PlannedProvisioner, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
  if (p.timeoutMs <= 0) return work(ctx.signal);
  ctx.ui.say(`Setting a ${formatGoDuration(p.timeoutMs)} timeout for the next provisioner...`);
  const timer = new AbortController();
  const handle = setTimeout(() => {
    ctx.ui.error("Cancelling provisioner after a timeout...");
    // Go's context error, which Packer's plugins answer with when they stop on it (the remote
    // shell over a communicator, sleep); a provisioner with its own words (shell-local) keeps them.
    timer.abort(new Error("context canceled"));
  }, p.timeoutMs);
  try {
    await work(AbortSignal.any([ctx.signal, timer.signal]));
  } catch (e) {
    // Kiln's generic "stopped by its signal" errors (an SSH command's, a stream's) are the
    // context error Packer's plugins return on a timeout.
    if (timer.signal.aborted && !ctx.signal.aborted && e instanceof Error && e.name === "AbortError") throw timer.signal.reason;
    throw e;
  } finally {
    clearTimeout(handle);
  }
}
