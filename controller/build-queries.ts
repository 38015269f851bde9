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

/**
 * Newest first; `limit` 0 means all; `before` pages. Build ids begin with their submission time
 * (zero-padded base 36), so sorting the ids orders the builds: only the page's records are read,
 * not every build the farm keeps.
 */
export async function listBuilds(ctx: ControllerContext, limit: number, before = ""): Promise<ListBuildsResponse> {
  const [agents, page, more] = await read(ctx, "list builds", async () => {
    const ids = (await listBuildIds(ctx.bus)).filter((id) => before === "" || id < before).sort().reverse();
    const pageIds = limit > 0 ? ids.slice(0, limit) : ids;
    return Promise.all([presentAgents(ctx.bus, ctx.log), Promise.all(pageIds.map((id) => readBuild(ctx.bus.builds, id, ctx.log))), ids.length > pageIds.length]);
  });
  const stored = page.flatMap((s) => (s ? [s] : []));
  const builds = stored.map((s) => buildToProto(s.record, s.jobs, agents));
  return { builds, nextBefore: more && stored.length > 0 ? stored[stored.length - 1]!.record.id : "" };
}

export async function listAgents(ctx: ControllerContext): Promise<ListAgentsResponse> {
  return { agents: (await read(ctx, "list agents", () => presentAgents(ctx.bus, ctx.log))).map(agentToProto) };
}
