/**
 * Which job queues an agent pulls from beyond its base ones (builder types and host needs, see
 * jobQueuesFor in agent.ts), and in what order.
 *
 * Queues for agent labels and priorities (`qemu__L_gpu`, `null__P_high`, shared/bus/names.ts) are
 * not all opened up front: an agent with k labels could serve 2^k label sets per base queue, and
 * each queue is a JetStream consumer with its own pull. The controller creates a queue's consumer
 * when a job first needs it; agents list the jobs stream's consumers now and then and pull from
 * those they can serve. So an agent holds its base consumers plus the label and priority queues
 * jobs actually use.
 */
import { errorMessage } from "../../shared/error-message.js";
import type { Consumer, JetStreamManager } from "@nats-io/jetstream";
import { JOBS_STREAM, parseJobQueue, queueOfJobConsumer } from "../../shared/bus/index.js";
import { knownHostNeeds } from "../../shared/plan/host-needs.js";
import { PRIORITIES } from "../../shared/plan/build-policy/index.js";
import type { OperatorLog } from "../../shared/operator-log.js";
import { sleep } from "../../shared/sleep.js";

export interface JobQueuePuller {
  type: string;
  consumer: Consumer;
  ackWaitMs: number;
}

/** What an agent offers: a job queue is served when it asks for nothing more. */
export interface AgentOffer {
  builderTypes: readonly string[];
  capabilities: readonly string[];
  labels: readonly string[];
}

export function canServeQueue(queue: string, offer: AgentOffer): boolean {
  const q = parseJobQueue(queue);
  const needs = knownHostNeeds();
  return (
    offer.builderTypes.includes(q.builderType) &&
    q.hostNeeds.every((n) => needs.includes(n) && offer.capabilities.includes(n)) &&
    q.labels.every((l) => offer.labels.includes(l)) &&
    (PRIORITIES as readonly string[]).includes(q.priority)
  );
}

interface DiscoveryOptions {
  jsm: JetStreamManager;
  canServe: AgentOffer;
  /** Queues pulled already; those found are added. */
  known: Set<string>;
  intervalMs: number;
  signal: AbortSignal;
  log: OperatorLog;
  open(queue: string): Promise<void>;
}

/** Lists the jobs stream's consumers every `intervalMs` and opens those this agent can serve; ends when `signal` aborts. */
export async function discoverJobQueues(o: DiscoveryOptions): Promise<void> {
  let failing = false;
  while (!o.signal.aborted) {
    try {
      // One paged API request per 256 consumers; a failure (NATS away) is retried next round.
      const names: string[] = [];
      for await (const info of o.jsm.consumers.list(JOBS_STREAM)) names.push(info.name);
      for (const name of names) {
        const queue = queueOfJobConsumer(name);
        if (queue === undefined || o.known.has(queue) || !canServeQueue(queue, o.canServe) || o.signal.aborted) continue;
        o.known.add(queue);
        await o.open(queue).catch((e: unknown) => {
          o.known.delete(queue);
          throw e;
        });
      }
      failing = false;
    } catch (e) {
      if (o.signal.aborted) return;
      if (!failing) o.log.warn("looking for new job queues failed; retrying", { error: errorMessage(e) });
      failing = true;
    }
    await sleep(o.intervalMs, o.signal);
  }
}

/** How long a puller yielding to a higher-priority queue waits before it looks again. */
const YIELD_MS = 200;

/**
 * Priority between an agent's queues: when a slot frees, the pullers of every queue wake; one
 * whose queue is of lower priority than another that has jobs waiting lets that one take the
 * slot. JetStream cannot reorder one queue, hence one queue per priority and this check, which
 * costs a consumer-info request only when the agent serves a higher-priority queue at all.
 */
export function queuePrecedence() {
  const rankOf = (queue: string): number => PRIORITIES.indexOf(parseJobQueue(queue).priority as (typeof PRIORITIES)[number]);
  const pullers: { rank: number; consumer: Consumer }[] = [];
  return {
    add(p: JobQueuePuller): void {
      pullers.push({ rank: rankOf(p.type), consumer: p.consumer });
    },
    /** True when a higher-priority queue has jobs pending (after a short wait: look again); false to pull now. */
    async yieldToHigher(queue: string, signal: AbortSignal): Promise<boolean> {
      const rank = rankOf(queue);
      const higher = pullers.filter((p) => p.rank > rank);
      if (higher.length === 0) return false;
      const pending = await Promise.all(higher.map((p) => p.consumer.info().then((i) => i.num_pending, () => 0)));
      if (!pending.some((n) => n > 0)) return false;
      await sleep(YIELD_MS, signal);
      return true;
    },
  };
}
