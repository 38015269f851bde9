/**
 * Packer's AWS waiters: poll until a condition holds, every AWS_POLL_DELAY_SECONDS (Packer's
 * default 2 s here, growing by half up to 15 s so a long wait does not hammer the API) for at most
 * AWS_MAX_ATTEMPTS polls (default 40, or the timeout given). Cancel stops the wait at once.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface PollOptions {
  what: string;
  signal: AbortSignal;
  /** Used when AWS_MAX_ATTEMPTS is unset. */
  defaultMaxAttempts?: number;
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Resolves with the first value `check` returns that is not undefined. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const maxAttempts = envNumber("AWS_MAX_ATTEMPTS") ?? options.defaultMaxAttempts ?? 40;
  const fixedDelay = envNumber("AWS_POLL_DELAY_SECONDS");
  // The first poll comes at once: moto (and a fast AWS call) is often done already.
  let delayMs = 0;
  let backoffMs = 500;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: options.signal });
    const v = await check();
    if (v !== undefined) return v;
    if (fixedDelay !== undefined) delayMs = fixedDelay * 1000;
    else {
      delayMs = backoffMs;
      backoffMs = Math.min(backoffMs * 1.5, 15_000);
    }
  }
  throw new Error(`timed out waiting for ${options.what} after ${maxAttempts} attempts (raise AWS_MAX_ATTEMPTS or AWS_POLL_DELAY_SECONDS)`);
}
