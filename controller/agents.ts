/** Agents present in KV `kiln_agents` (entries expire when heartbeats stop). */
import type { KV } from "@nats-io/kv";
import { AGENTS_BUCKET, BusDecodeError, decodeAgentPresence, listKeys, type AgentPresence, type Bus, type JobRecord } from "../shared/bus/index.js";
import type { OperatorLog } from "../shared/operator-log.js";

/** The parts of the bus presence is read from. */
export type PresenceBus = Pick<Bus, "agents" | "jsm">;

export async function presentAgents(bus: PresenceBus, log?: OperatorLog): Promise<AgentPresence[]> {
  const agents: AgentPresence[] = [];
  for (const key of await listKeys(bus.jsm, AGENTS_BUCKET, "agent.*")) {
    const entry = await bus.agents.get(key);
    if (!entry || entry.operation !== "PUT") continue;
    try {
      agents.push(decodeAgentPresence(entry.value, entry.key));
    } catch (e) {
      if (!(e instanceof BusDecodeError)) throw e;
      log?.warn("ignoring an undecodable agent presence entry", { key, reason: e.reason });
    }
  }
  return agents.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * presentAgents, at most one read per second: SubmitBuild's answer reports what each job waits
 * for, and reading every agent's presence on every submission cost a KV round trip per agent per
 * build. Queries that must be exact (GetBuild, ListAgents) read fresh.
 */
const recentAgents = new WeakMap<KV, { at: number; agents: Promise<AgentPresence[]> }>();

export function presentAgentsRecently(bus: PresenceBus, log?: OperatorLog, maxAgeMs = 1000): Promise<AgentPresence[]> {
  const kv = bus.agents;
  const cached = recentAgents.get(kv);
  if (cached && Date.now() - cached.at < maxAgeMs) return cached.agents;
  const agents = presentAgents(bus, log);
  recentAgents.set(kv, { at: Date.now(), agents });
  agents.catch(() => recentAgents.delete(kv));
  return agents;
}

/** The labels an agent advertises, as jobs name them: `gpu` for a bare label, `site=eu` otherwise. */
export function agentLabels(agent: Pick<AgentPresence, "labels">): string[] {
  return Object.entries(agent.labels).map(([k, v]) => (v === "" ? k : `${k}=${v}`));
}

/** What a job asks of an agent: its builder type, host capabilities, agent labels. */
export type JobRequirements = Pick<JobRecord, "builderType" | "needs" | "labels">;

/** Can this agent take a job of this builder type needing these capabilities and labels? */
export function agentCanRun(agent: AgentPresence, job: JobRequirements): boolean {
  const labels = agentLabels(agent);
  return agent.builderTypes.includes(job.builderType) && job.needs.every((n) => agent.capabilities.includes(n)) && (job.labels ?? []).every((l) => labels.includes(l));
}

/** What a queued job waits for, in the words users see ("waiting for an agent with: qemu, label gpu"). */
export function waitingReason(job: JobRequirements): string {
  const wants = [...job.needs, ...(job.labels ?? []).map((l) => `label ${l}`)];
  return wants.length > 0 ? `waiting for an agent with: ${wants.join(", ")}` : `waiting for an agent that runs ${job.builderType} builds`;
}
