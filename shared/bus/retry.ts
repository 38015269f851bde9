/**
 * The one retry rule for work on the bus: an outage (see outage.ts) is retried with backoff until
 * a deadline or an abort; anything else fails at once. Every wait here ends when the caller's
 * AbortSignal fires, so a process whose NATS is gone still stops promptly.
 */
import { sleep } from "../sleep.js";
import { isBusOutage, reasonOf } from "./outage.js";

export interface RetryOptions {
  /** What is being done, for the error ("update job record job.x.0"). */
  what: string;
  /** Give up retrying outages after this long (default 60 s: a restart, a leader election). */
  deadlineMs?: number;
  /** Stops retrying (the last error is thrown, or BusAbortedError when there was none). */
  signal?: AbortSignal;
  /** First pause (default 50 ms), doubled up to maxPauseMs (default 2 s). */
  firstPauseMs?: number;
  maxPauseMs?: number;
  /** Other errors worth another attempt (a lost compare-and-set, say). */
  retryAlso?: (e: unknown) => boolean;
}

/** The bus stayed away past the deadline, or the caller aborted. */
export class BusRetryError extends Error {
  override readonly name = "BusRetryError";
}

export async function retryOnOutage<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const deadlineMs = options.deadlineMs ?? 60_000;
  const deadline = Date.now() + deadlineMs;
  let pause = options.firstPauseMs ?? 50;
  for (;;) {
    if (options.signal?.aborted) throw new BusRetryError(`${options.what}: stopped`, { cause: options.signal.reason });
    try {
      return await attempt();
    } catch (e) {
      if (!isBusOutage(e) && !(options.retryAlso?.(e) ?? false)) throw e;
      if (Date.now() + pause >= deadline || options.signal?.aborted) {
        if (options.signal?.aborted) throw new BusRetryError(`${options.what}: stopped`, { cause: e });
        throw new BusRetryError(`${options.what}: gave up after ${Math.round(deadlineMs / 1000)} s (${reasonOf(e)}): is nats-server up?`, { cause: e });
      }
    }
    await sleep(pause, options.signal);
    pause = Math.min(pause * 2, options.maxPauseMs ?? 2_000);
  }
}

/**
 * Waits for `work` at most `ms`; returns false when it did not settle in time (the work goes on
 * unobserved; its rejection is swallowed). For shutdown steps that must not hang on a dead bus.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
