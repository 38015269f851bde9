/**
 * A build under its policy (shared/plan/build-policy): each attempt is a whole runBuild — its
 * builder's and post-processors' cleanups run before the next attempt starts afresh — with its own
 * deadline. Locally `kiln build` runs this; on a farm the agent that took the job does.
 */
import { errorIsRetryable, type BuildPolicy } from "../../shared/plan/build-policy/index.js";
import { formatGoDuration } from "../../shared/template/duration.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import { runBuild, type BuildOutcome, type RunBuildOptions } from "./build.js";
import { buildUi } from "./ui.js";

export interface AttemptedOutcome extends BuildOutcome {
  /** How many attempts ran (1 without retries). */
  attempts: number;
  /** Set when the last attempt was cancelled by its deadline rather than by the user. */
  timedOut: boolean;
}

export async function runBuildWithPolicy(spec: BuildSpec, options: RunBuildOptions, policy: BuildPolicy | undefined): Promise<AttemptedOutcome> {
  const retries = policy?.retries ?? 0;
  const ui = buildUi(options.sink, spec.name);
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) ui.say(`Attempt ${attempt} of ${retries + 1} (retries from kiln -retry or kiln.json)...`);
    const deadline = policy?.timeoutMs !== undefined ? new AbortController() : undefined;
    const timer = deadline && setTimeout(() => deadline.abort(), policy!.timeoutMs);
    const signal = deadline ? AbortSignal.any([options.signal, deadline.signal]) : options.signal;
    let outcome: BuildOutcome;
    try {
      outcome = await runBuild(spec, { ...options, signal, attempt: retries > 0 ? attempt : undefined });
    } finally {
      clearTimeout(timer);
    }
    const timedOut = deadline?.signal.aborted === true && !options.signal.aborted;
    if (timedOut) {
      outcome = {
        ...outcome,
        cancelled: false,
        error: `Build '${spec.name}' exceeded its timeout of ${formatGoDuration(policy!.timeoutMs!)} and was cancelled (its cleanups ran).`,
      };
      ui.error(outcome.error!);
    }
    const result: AttemptedOutcome = { ...outcome, attempts: attempt, timedOut, durationMs: performance.now() - started };
    if (!outcome.error || outcome.cancelled || attempt > retries) {
      if (attempt > 1 && !outcome.error) ui.say(`Build succeeded on attempt ${attempt} of ${retries + 1}.`);
      if (attempt > 1 && outcome.error && !outcome.cancelled) result.error = `${outcome.error}\n(${attempt} attempts, every one failed)`;
      return result;
    }
    if (!errorIsRetryable(policy?.retryOn, outcome.error)) {
      ui.say(`Not retrying: the error does not match -retry-on ${JSON.stringify(policy?.retryOn)}.`);
      return result;
    }
    ui.say(`Attempt ${attempt} failed; its cleanups ran. Retrying.`);
  }
}
