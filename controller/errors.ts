/** Errors the controller answers a gRPC call with: a status code and a message for the user. */
import { errorMessage } from "../shared/error-message.js";
import { status, type ServiceError } from "@grpc/grpc-js";
import { Metadata } from "@grpc/grpc-js";
import { isBusOutage } from "../shared/bus/index.js";

/** Trailer set on UNAVAILABLE answers caused by the bus, not by the controller being away. */
export const BUS_OUTAGE_KEY = "kiln-bus-outage";

export class ControllerError extends Error {
  override name = "ControllerError";
  constructor(readonly code: status, message: string) {
    super(message);
  }
}

export const invalidArgument = (message: string): ControllerError => new ControllerError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string): ControllerError => new ControllerError(status.NOT_FOUND, message);
export const unavailable = (message: string): ControllerError => new ControllerError(status.UNAVAILABLE, message);
export const resourceExhausted = (message: string): ControllerError => new ControllerError(status.RESOURCE_EXHAUSTED, message);

/**
 * Any error as what grpc-js sends: ControllerErrors keep their code; the bus being down or
 * restarting is UNAVAILABLE (clients retry that, never INTERNAL); anything else is INTERNAL.
 */
export function toServiceError(e: unknown): Partial<ServiceError> {
  if (e instanceof ControllerError) {
    const metadata = new Metadata();
    if (e.code === status.UNAVAILABLE) metadata.set(BUS_OUTAGE_KEY, "1");
    return { code: e.code, details: e.message, message: e.message, metadata };
  }
  const message = errorMessage(e);
  if (isBusOutage(e)) {
    const details = `the farm's NATS is unreachable or restarting (${message}); try again`;
    const metadata = new Metadata();
    // Tells clients the controller itself is up: worth asking again soon (see BUS_OUTAGE_KEY).
    metadata.set(BUS_OUTAGE_KEY, "1");
    return { code: status.UNAVAILABLE, details, message: details, metadata };
  }
  return { code: status.INTERNAL, details: `controller error: ${message}`, message, metadata: new Metadata() };
}

