/**
 * JetStream publishes that survive a nats-server restart or a cluster leader change. Measured with
 * nats-server 2.9 and the v3 client: a publish made while the connection is down is buffered,
 * then lost on reconnect (its PubAck never comes, the call times out after 5 s). So every publish
 * whose loss matters (job messages, log lines, events) goes through here: short attempts, retried
 * until a deadline, each with the same msgID so a retry of a stored message is dropped as a duplicate.
 */
import { errorMessage } from "../error-message.js";
import { type JetStreamClient, type PubAck } from "@nats-io/jetstream";
import { errors, type Payload } from "@nats-io/transport-node";
import { sleep } from "../sleep.js";

export interface DurablePublishOptions {
  /** Dedupe id within the stream's duplicate window; required, it is what makes retrying safe. */
  msgID: string;
  /** Give up after this long (default 60 s: a server restart, a cluster re-election). */
  deadlineMs?: number;
  /** Wait this long for each PubAck (default 2 s). */
  attemptTimeoutMs?: number;
  /** Stops retrying (the process is stopping); the last error is thrown. */
  signal?: AbortSignal;
}

export class DurablePublishError extends Error {
  override readonly name = "DurablePublishError";
}

export async function publishDurably(js: JetStreamClient, subject: string, payload: Payload, options: DurablePublishOptions): Promise<PubAck> {
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  const attemptTimeout = options.attemptTimeoutMs ?? 2_000;
  let lastError: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      return await js.publish(subject, payload, { msgID: options.msgID, timeout: attemptTimeout });
    } catch (err) {
      if (!isTransient(err)) throw err;
      lastError = err;
    }
    const pause = Math.min(100 * 2 ** attempt, 1_000);
    if (Date.now() + pause >= deadline || options.signal?.aborted) break;
    await sleep(pause, options.signal);
  }
  const reason = errorMessage(lastError);
  throw new DurablePublishError(`could not publish to ${subject} within ${options.deadlineMs ?? 60_000} ms (${reason}): is nats-server up and JetStream enabled?`, {
    cause: lastError,
  });
}

/** Timeouts and "no responders" (JetStream still recovering after a restart) are worth retrying; other errors are real. */
function isTransient(err: unknown): boolean {
  if (err instanceof errors.TimeoutError) return true;
  if (err instanceof errors.RequestError && err.isNoResponders()) return true;
  // The client reports "no responders" on a publish as "jetstream is not enabled".
  return err instanceof Error && /jetstream is not enabled/i.test(err.message);
}
