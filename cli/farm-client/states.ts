/** How the farm's states read in tables and messages. */
import { State } from "../../proto/gen/kiln/v1/farm.js";

export function stateName(s: State): string {
  switch (s) {
    case State.STATE_QUEUED: return "queued";
    case State.STATE_RUNNING: return "running";
    case State.STATE_SUCCEEDED: return "succeeded";
    case State.STATE_FAILED: return "failed";
    case State.STATE_CANCELLED: return "cancelled";
    default: return "unknown";
  }
}

export function isFinalState(s: State): boolean {
  return s === State.STATE_SUCCEEDED || s === State.STATE_FAILED || s === State.STATE_CANCELLED;
}
