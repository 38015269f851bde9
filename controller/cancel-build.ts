/**
 * CancelBuild: record the request (agents that pull a job of a cancelled build skip it), tell
 * agents running its jobs to stop (`kiln.control.<id>`), take its queued jobs off the queue, and
 * tell the agents again (a job may have been taken meanwhile).
 */
import { controlSubject, encode, type ControlMessage } from "../shared/bus/index.js";
import type { Build, CancelBuildRequest } from "../proto/gen/kiln/v1/farm.js";
import { presentAgents } from "./agents.js";
import { buildToProto } from "./build-view.js";
import type { ControllerContext } from "./context.js";
import { dropJob } from "./drop-job.js";
import { notFound } from "./errors.js";
import { readBuild, requireBuildId, updateBuildRecord } from "./records.js";

export async function cancelBuild(ctx: ControllerContext, request: CancelBuildRequest): Promise<Build> {
  const buildId = requireBuildId(request.buildId);
  const updated = await updateBuildRecord(ctx.bus.builds, buildId, (r) => (r.cancelRequested ? undefined : { ...r, cancelRequested: true }));
  if (!updated) throw notFound(`no build ${buildId} (see kiln builds)`);
  const control: ControlMessage = { kind: "cancel", buildId, requestedAt: new Date().toISOString() };
  ctx.bus.nc.publish(controlSubject(buildId), encode(control));
  await ctx.bus.nc.flush();
  const stored = await readBuild(ctx.bus.builds, buildId, ctx.log);
  for (const job of stored?.jobs ?? []) {
    if (job.state === "queued") await dropJob(ctx, { buildId, jobIndex: job.jobIndex, state: "cancelled", error: "cancelled before an agent took it" });
  }
  // Again, for a job taken while its queued record was being dropped: its agent takes a first
  // delivery without reading the build's record, and subscribes to this subject before taking it,
  // so a job it took before the drop above hears this one even if it missed the first.
  ctx.bus.nc.publish(controlSubject(buildId), encode(control));
  ctx.log.info("build cancel requested", { build: buildId });
  const after = await readBuild(ctx.bus.builds, buildId, ctx.log);
  return buildToProto(after?.record ?? updated, after?.jobs ?? [], await presentAgents(ctx.bus, ctx.log));
}
