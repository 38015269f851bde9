/**
 * The agent's one subscription to cancel requests (`kiln.control.>`), shared by its jobs: each
 * running job listens for its own build's. It is made when the agent starts, before it pulls a
 * job, so every job's take happens after the agent can hear its build's cancel (the controller
 * relies on that: controller/cancel-build.ts). One subscription for the agent's life, instead of
 * a subscribe and an unsubscribe per job: two protocol messages and two interest changes on every
 * NATS node of a cluster per job.
 */
import { errorMessage } from "../../shared/error-message.js";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { CONTROL_SUBJECTS, decodeControl, type ControlMessage } from "../../shared/bus/index.js";
import type { OperatorLog } from "../../shared/operator-log.js";

export type CancelListener = (message: ControlMessage) => void;

export class CancelListeners {
  private readonly byBuild = new Map<string, Set<CancelListener>>();
  private readonly subscription: Subscription;

  constructor(nc: NatsConnection, log: OperatorLog) {
    this.subscription = nc.subscribe(CONTROL_SUBJECTS, {
      callback: (err, m) => {
        if (err) return;
        let message: ControlMessage;
        try {
          message = decodeControl(m.data, m.subject);
        } catch (e) {
          log.warn("undecodable control message dropped", { subject: m.subject, reason: errorMessage(e) });
          return;
        }
        // The subject names the build (a NATS user may only publish there if allowed to cancel it).
        const buildId = m.subject.slice("kiln.control.".length);
        for (const listener of this.byBuild.get(buildId) ?? []) listener(message);
      },
    });
  }

  /** Calls `listener` on each cancel request of the build until the returned function is called. */
  listen(buildId: string, listener: CancelListener): () => void {
    let listeners = this.byBuild.get(buildId);
    if (!listeners) this.byBuild.set(buildId, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.byBuild.get(buildId) === listeners) this.byBuild.delete(buildId);
    };
  }

  close(): void {
    if (!this.subscription.isClosed()) this.subscription.unsubscribe();
  }
}
