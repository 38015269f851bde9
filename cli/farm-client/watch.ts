/**
 * Reads a build's output (WatchBuild) to its end, riding out controller restarts: when the stream
 * breaks with UNAVAILABLE, it reconnects and asks for what follows the last sequence it saw, so
 * nothing is shown twice and nothing is skipped.
 */
import { sleep } from "../../shared/sleep.js";
import { status, type ServiceError } from "@grpc/grpc-js";
import type { BuildOutput } from "../../proto/gen/kiln/v1/farm.js";
import { FarmClientError, isServiceError, type FarmConnection } from "./connect.js";

export interface WatchOptions {
  buildId: string;
  /** Keep reading until the build has finished (false: stop at the current end). */
  follow: boolean;
  /** Resume after this sequence (0: from the start). */
  afterSequence?: number;
  onItem: (item: BuildOutput) => void;
  /** Told when the controller went away and the watch is being resumed. */
  onReconnecting?: (reason: string) => void;
  /** Give up after the controller has been unreachable this long (default 5 minutes). */
  reconnectForMs?: number;
  /** Stops watching (the promise resolves with what was seen so far). */
  signal?: AbortSignal;
}

export async function watchBuildOutput(conn: FarmConnection, options: WatchOptions): Promise<{ lastSequence: number }> {
  let last = options.afterSequence ?? 0;
  let unreachableSince: number | undefined;
  let delay = 200;
  const limit = options.reconnectForMs ?? 5 * 60_000;
  for (;;) {
    if (options.signal?.aborted) return { lastSequence: last };
    try {
      await readOnce(conn, options, last, (item) => {
        // The controller resumes after `last`; anything at or before it was already shown.
        if (item.sequence !== 0 && item.sequence <= last) return;
        if (item.sequence !== 0) last = item.sequence;
        unreachableSince = undefined;
        delay = 200;
        options.onItem(item);
      });
      return { lastSequence: last };
    } catch (e) {
      if (!controllerWentAway(e)) throw conn.explain(e);
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > limit) {
        throw new FarmClientError(`lost the controller at ${conn.options.address} for more than ${Math.round(limit / 1000)} s (${e.details}); resume with \`kiln logs -f ${options.buildId}\``, e.code);
      }
      options.onReconnecting?.(e.details);
      await sleep(delay, options.signal);
      delay = Math.min(delay * 2, 3000);
    }
  }
}

function readOnce(conn: FarmConnection, options: WatchOptions, after: number, onItem: (item: BuildOutput) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = conn.watchBuild({ buildId: options.buildId, afterSequence: after, follow: options.follow });
    const onAbort = (): void => call.cancel();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const done = (e?: unknown): void => {
      options.signal?.removeEventListener("abort", onAbort);
      if (e === undefined) resolve();
      else reject(e);
    };
    call.on("data", (item: BuildOutput) => {
      try {
        onItem(item);
      } catch (e) {
        call.cancel();
        done(e);
      }
    });
    call.on("error", (e: unknown) => {
      if (options.signal?.aborted) done();
      else done(e);
    });
    call.on("end", () => done());
  });
}

/**
 * A controller that stops (restart, deploy) ends open streams with UNAVAILABLE when its socket
 * closes, or CANCELLED when it shuts its server down first; both mean "ask again".
 */
export function controllerWentAway(e: unknown): e is ServiceError {
  return isServiceError(e) && (e.code === status.UNAVAILABLE || e.code === status.CANCELLED);
}

