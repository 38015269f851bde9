import { setTimeout as sleep } from "node:timers/promises";

/** Pause between attempts; Packer's retry package waits about this long. */
const RETRY_DELAY_MS = 2_000;

/**
 * Packer's `retry.Config{StartTimeout}`: runs `attempt` until it succeeds or `timeoutMs` has
 * passed since the first try (a machine rebooting between scripts needs a while to come back).
 * Cancellation is never retried.
 */
export async function retryUntil<T>(timeoutMs: number, signal: AbortSignal, attempt: () => Promise<T>, delayMs = RETRY_DELAY_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (signal.aborted) throw e;
      if (Date.now() + delayMs > deadline) {
        throw new Error(`${(e as Error).message} (still failing after start_retry_timeout ${timeoutMs / 1000}s)`, { cause: e });
      }
      await sleep(delayMs, undefined, { signal });
    }
  }
}
