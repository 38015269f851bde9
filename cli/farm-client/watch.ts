/**
 * Reads a build's output (WatchBuild) to its end, riding out controller restarts: when the stream
 * breaks with UNAVAILABLE, it reconnects and asks for what follows the last sequence it saw, so
 * nothing is shown twice and nothing is skipped.
 */
import { sleep } from "../../shared/sleep.js";
import { status, type ServiceError } from "@grpc/grpc-js";
import type { BuildOutput } from "../../proto/gen/kiln/v1/farm.js";
import { FarmClientError, isServiceError, type FarmConnection } from "./connect.js";
import { ACCEPTED_TEXT_ENCODINGS, withPlainLogText } from "./log-text.js";
import { isFinalState } from "./states.js";

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
    let why: string;
    try {
      await readOnce(conn, options, last, (item) => {
        // The controller resumes after `last`; anything at or before it was already shown.
        if (item.sequence !== 0 && item.sequence <= last) return;
        if (item.sequence !== 0) last = item.sequence;
        unreachableSince = undefined;
        delay = 200;
        options.onItem(item);
      });
      const early = options.follow && !options.signal?.aborted ? await endedEarly(conn, options.buildId) : undefined;
      if (early === undefined) return { lastSequence: last };
      why = early;
    } catch (e) {
      if (!controllerWentAway(e)) throw conn.explain(e);
      why = e.details;
    }
    unreachableSince ??= Date.now();
    if (Date.now() - unreachableSince > limit) {
      throw new FarmClientError(`lost the controller at ${conn.options.address} for more than ${Math.round(limit / 1000)} s (${why}); resume with \`kiln logs -f ${options.buildId}\``, status.UNAVAILABLE);
    }
    options.onReconnecting?.(why);
    await sleep(delay, options.signal);
    delay = Math.min(delay * 2, 3000);
  }
}

/**
 * Why a follow watch that ended normally ended too soon, or undefined when the build is over. The
 * controller ends one only once every job has finished; should it ever end one sooner (a view of
 * a NATS cluster still settling after a node came back), the build's record says jobs still run,
 * and the client asks again after its last item instead of exiting as if the build were over.
 */
async function endedEarly(conn: FarmConnection, buildId: string): Promise<string | undefined> {
  let build;
  try {
    build = await conn.getBuild(buildId);
  } catch (e) {
    // Expired or removed meanwhile: nothing more will come. Other failures are the caller's.
    if (e instanceof FarmClientError && e.code === status.NOT_FOUND) return undefined;
    throw e;
  }
  const running = build.jobs.filter((j) => !isFinalState(j.state)).map((j) => j.name);
  return running.length === 0 ? undefined : `the controller ended the watch while ${running.join(", ")} had not finished`;
}

function readOnce(conn: FarmConnection, options: WatchOptions, after: number, onItem: (item: BuildOutput) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const call = conn.watchBuild({ buildId: options.buildId, afterSequence: after, follow: options.follow, acceptTextEncodings: [...ACCEPTED_TEXT_ENCODINGS] });
    const onAbort = (): void => call.cancel();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const done = (e?: unknown): void => {
      options.signal?.removeEventListener("abort", onAbort);
      if (e === undefined) resolve();
      else reject(e);
    };
    call.on("data", (item: BuildOutput) => {
      try {
        onItem(withPlainLogText(item));
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

