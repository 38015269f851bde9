/**
 * Why the bus is not answering, in words an operator can act on. On a JetStream cluster the
 * controller can be connected to a live NATS node whose JetStream still cannot answer: with a
 * majority of the nodes gone there is no meta leader (no quorum), and every request times out as
 * if NATS were down. Telling the two apart takes two round trips, done only when a call failed.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { JetStreamApiError, type JetStreamManager } from "@nats-io/jetstream";

export interface QuorumProbe {
  nc: NatsConnection;
  jsm: JetStreamManager;
  /** NATS servers the controller was given (`--nats a,b,c`). */
  configuredServers: number;
}

// Long enough for a client that lost its node to reconnect to a survivor on a busy machine.
const PROBE_MS = 5000;

/**
 * "JetStream has no quorum: 1 of 3 NATS nodes reachable" when the connection is up but
 * JetStream's meta group does not answer; undefined when NATS itself is unreachable or JetStream
 * answers (a passing leader election: the caller's generic "try again" fits).
 */
export async function noQuorumReason(probe: QuorumProbe, cause?: unknown): Promise<string | undefined> {
  const { nc, jsm } = probe;
  if (nc.isClosed()) return undefined;
  // A flush answered = we are connected to a NATS node right now.
  if (!(await within(nc.flush(), PROBE_MS))) return undefined;
  // Account info is answered by the meta leader: no answer (or "temporarily unavailable") = none.
  // The server already said it has no meta leader (10008, "JetStream system temporarily
  // unavailable"), or account info (answered by the meta leader) does not come back.
  const saidNoLeader = cause instanceof JetStreamApiError && cause.code === 10008;
  if (!saidNoLeader && (await within(jsm.getAccountInfo(), PROBE_MS))) return undefined;
  // The server's INFO lists the client URLs of the cluster's live nodes (updated as routes come and go).
  const reachable = Math.max(1, new Set(nc.info?.connect_urls ?? []).size);
  const total = Math.max(probe.configuredServers, reachable);
  // A majority still up means a leader election under way, not a lost quorum.
  if (reachable * 2 > total) return undefined;
  return `JetStream has no quorum: ${reachable} of ${total} NATS nodes reachable (a JetStream cluster needs a majority; start the missing nats-server nodes)`;
}

async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
