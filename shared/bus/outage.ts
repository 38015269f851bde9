/**
 * Which errors from the NATS client mean "the bus is down or restarting, ask again later" as
 * opposed to "this request is wrong". Keyed on the client's error classes and JetStream's
 * status and API codes, never on message text (which the client and the server reword).
 * Callers retry an outage (until their own deadline) and report it to clients as UNAVAILABLE.
 */
import { errorMessage } from "../error-message.js";
import { JetStreamApiCodes, JetStreamApiError, JetStreamError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";

/** JetStream API error codes that a restart or a leader election produces, then clears. */
const TRANSIENT_API_CODES: ReadonlySet<number> = new Set([
  // Ephemeral and ordered consumers live in memory: a server restart forgets them.
  JetStreamApiCodes.ConsumerNotFound,
  // "JetStream system temporarily unavailable" (no meta leader, no quorum yet).
  10008,
  // "JetStream not enabled": answered while JetStream is still recovering its store after a start.
  JetStreamApiCodes.JetStreamNotEnabledForAccount,
]);

/** Pull/status codes: 408 request timeout, 409 consumer deleted or server shutdown, 503 no responders. */
const TRANSIENT_STATUS_CODES: ReadonlySet<number> = new Set([408, 409, 503]);

/** A wait on the bus that should have ended by now did not: the connection is down. */
export class BusStalledError extends Error {
  override readonly name = "BusStalledError";
}

export function isBusOutage(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e instanceof BusStalledError) return true;
  if (
    e instanceof errors.TimeoutError ||
    e instanceof errors.ConnectionError ||
    e instanceof errors.ClosedConnectionError ||
    e instanceof errors.DrainingConnectionError ||
    e instanceof errors.NoRespondersError ||
    // The package does not export these two classes; their names are set by the client (not texts).
    e.name === "JetStreamNotEnabled"
  ) {
    return true;
  }
  if (e instanceof errors.RequestError) return e.isNoResponders() || isBusOutage(e.cause);
  const status = (e as { code?: unknown }).code;
  if (e.name === "JetStreamStatusError" && typeof status === "number") return TRANSIENT_STATUS_CODES.has(status);
  if (e instanceof JetStreamApiError) return TRANSIENT_API_CODES.has(e.code) || e.status === 503;
  // The pull consumer stops with a bare JetStreamError when its idle heartbeats stop coming (the
  // server went away under a fetch) or when the ordered consumer could not be recreated.
  if (e instanceof JetStreamError) return e.cause === undefined || isBusOutage(e.cause);
  return e.cause !== undefined && isBusOutage(e.cause);
}

/** The error's text for logs and messages (shared/error-message.ts, under the name the bus code has used). */
export const reasonOf: (e: unknown) => string = errorMessage;
