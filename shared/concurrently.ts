/**
 * Runs `work` on each item with at most `limit` under way at once. Sweeps use it: one JetStream
 * request at a time (a purge on a 3-node cluster is a raft round, ~10–30 ms under load) could not
 * keep up with 10 builds/s expiring, and what they remove piled up in NATS instead.
 *
 * After a failure (or an abort) no new item starts; the ones under way finish, then the first
 * failure is thrown.
 */
export async function forEachConcurrently<T>(items: Iterable<T>, limit: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const next = items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && !signal?.aborted) {
      const item = next.next();
      if (item.done) return;
      try {
        await work(item.value);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failure) throw failure.error;
}
