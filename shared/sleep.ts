/**
 * Waits `ms`, or less when `signal` aborts (then resolves quietly: callers check the signal).
 * The abort listener is removed when the wait ends: a retry loop that sleeps thousands of times
 * on one long-lived signal (a NATS outage) must not pile listeners onto it.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
