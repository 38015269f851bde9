/** GetBuild, ListBuilds and ListAgents: records and presence as the API shows them. */
import type { Build, ListAgentsResponse, ListBuildsResponse } from "../proto/gen/kiln/v1/farm.js";
import { presentAgents } from "./agents.js";
import { agentToProto, buildToProto } from "./build-view.js";
import type { ControllerContext } from "./context.js";
import { notFound } from "./errors.js";
import { listBuildIds, readBuild, requireBuildId } from "./records.js";
import { retryOnOutage } from "../shared/bus/index.js";

/**
 * Reads ride out a short outage: on a JetStream cluster, requests time out for a few seconds
 * while the leaders of a lost node's streams are re-elected. Longer than that, the caller hears
 * UNAVAILABLE (and, when the cluster has no majority, that it has no quorum).
 */
const READ_OUTAGE_MS = 15_000;
function read<T>(ctx: ControllerContext, what: string, work: () => Promise<T>): Promise<T> {
  return retryOnOutage(work, { what, deadlineMs: Math.min(ctx.settings.busOutageMs, READ_OUTAGE_MS), signal: ctx.stopping });
}

export async function getBuild(ctx: ControllerContext, buildId: string): Promise<Build> {
  const id = requireBuildId(buildId);
  const [stored, agents] = await read(ctx, `read build ${id}`, () => Promise.all([readBuild(ctx.bus.builds, id, ctx.log), presentAgents(ctx.bus, ctx.log)]));
  if (!stored) throw notFound(`no build ${id} (see kiln builds)`);
  return buildToProto(stored.record, stored.jobs, agents);
}

/** Newest first; `limit` 0 means all. */
export async function listBuilds(ctx: ControllerContext, limit: number): Promise<ListBuildsResponse> {
  const [agents, stored] = await read(ctx, "list builds", async () => {
    const ids = await listBuildIds(ctx.bus);
    return Promise.all([presentAgents(ctx.bus, ctx.log), Promise.all(ids.map((id) => readBuild(ctx.bus.builds, id, ctx.log)))]);
  });
  const builds = stored
    .flatMap((s) => (s ? [s] : []))
    .sort((a, b) => (a.record.submittedAt === b.record.submittedAt ? b.record.id.localeCompare(a.record.id) : b.record.submittedAt.localeCompare(a.record.submittedAt)))
    .slice(0, limit > 0 ? limit : undefined)
    .map((s) => buildToProto(s.record, s.jobs, agents));
  return { builds };
}

export async function listAgents(ctx: ControllerContext): Promise<ListAgentsResponse> {
  return { agents: (await read(ctx, "list agents", () => presentAgents(ctx.bus, ctx.log))).map(agentToProto) };
}
