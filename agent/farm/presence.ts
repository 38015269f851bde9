/**
 * The agent's presence in KV `kiln_agents` (`agent.<name>`): put at start, refreshed by a
 * heartbeat (the bucket's TTL drops agents whose heartbeat stopped), deleted at a clean stop.
 */
import { errorMessage } from "../../shared/error-message.js";
import type { KV } from "@nats-io/kv";
import { agentKey, encode, type AgentPresence } from "../../shared/bus/index.js";
import type { OperatorLog } from "../../shared/operator-log.js";

export interface Heartbeat {
  /** Puts the presence now. */
  beat(): Promise<void>;
  /**
   * Puts the presence shortly (after a change of busy count): changes within the delay share one
   * write, so a busy agent does not write its presence twice per job.
   */
  beatSoon(): void;
  /** Stops the heartbeat and removes the presence. */
  stop(): Promise<void>;
}

/**
 * Changes of the busy count within this long share one write: a busy agent starting and ending
 * jobs back to back wrote its presence four times a second, nearly one KV write per job at 100
 * builds/s over 20 agents; `busy` is for people reading `kiln agents`, a second late is fine.
 */
const BEAT_SOON_MS = 1000;

export function startHeartbeat(kv: KV, describe: () => AgentPresence, intervalMs: number, log: OperatorLog): Heartbeat {
  const key = agentKey(describe().name);
  let failing = false;
  const beat = async (): Promise<void> => {
    try {
      await kv.put(key, encode({ ...describe(), lastSeen: new Date().toISOString() }));
      if (failing) log.info("presence heartbeat works again");
      failing = false;
    } catch (e) {
      // NATS may be restarting; the next beat tries again. Say it once, not every beat.
      if (!failing) log.warn("presence heartbeat failed", { error: errorMessage(e) });
      failing = true;
    }
  };
  const timer = setInterval(() => void beat(), intervalMs);
  let pending: NodeJS.Timeout | undefined;
  return {
    beat,
    beatSoon() {
      pending ??= setTimeout(() => {
        pending = undefined;
        void beat();
      }, BEAT_SOON_MS);
    },
    async stop() {
      clearInterval(timer);
      if (pending) clearTimeout(pending);
      await kv.delete(key).catch(() => undefined);
    },
  };
}
