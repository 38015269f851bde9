/** GetBuild, ListBuilds and ListAgents: records and presence as the API shows them. */
import type { Build, ListAgentsResponse, ListBuildsResponse } from "../proto/gen/kiln/v1/farm.js";
import { presentAgents } from "./agents.js";
import { agentToProto, buildToProto } from "./build-view.js";
import type { ControllerContext } from "./context.js";
import { notFound } from "./errors.js";
import { listBuildIds, readBuild, requireBuildId } from "./records.js";

export async function getBuild(ctx: ControllerContext, buildId: string): Promise<Build> {
  const id = requireBuildId(buildId);
  const stored = await readBuild(ctx.bus.builds, id, ctx.log);
  if (!stored) throw notFound(`no build ${id} (see kiln builds)`);
  return buildToProto(stored.record, stored.jobs, await presentAgents(ctx.bus.agents, ctx.log));
}

/** Newest first; `limit` 0 means all. */
export async function listBuilds(ctx: ControllerContext, limit: number): Promise<ListBuildsResponse> {
  const agents = await presentAgents(ctx.bus.agents, ctx.log);
  const stored = await Promise.all((await listBuildIds(ctx.bus.builds)).map((id) => readBuild(ctx.bus.builds, id, ctx.log)));
  const builds = stored
    .flatMap((s) => (s ? [s] : []))
    .sort((a, b) => (a.record.submittedAt === b.record.submittedAt ? b.record.id.localeCompare(a.record.id) : b.record.submittedAt.localeCompare(a.record.submittedAt)))
    .slice(0, limit > 0 ? limit : undefined)
    .map((s) => buildToProto(s.record, s.jobs, agents));
  return { builds };
}

export async function listAgents(ctx: ControllerContext): Promise<ListAgentsResponse> {
  return { agents: (await presentAgents(ctx.bus.agents, ctx.log)).map(agentToProto) };
}
