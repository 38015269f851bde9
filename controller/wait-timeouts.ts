/**
 * Jobs that wait too long for a capable agent fail ("no agent with: qemu within 1h"). A sweep
 * every few seconds looks at unfinished builds; dropJob's compare-and-set keeps several
 * controllers (and an agent taking the job at the last moment) from stepping on each other.
 */
import type { AgentPresence } from "../shared/bus/index.js";
import { presentAgents, agentCanRun, waitingReason } from "./agents.js";
import type { ControllerContext } from "./context.js";
import { allJobsFinished } from "./build-view.js";
import { dropJob } from "./drop-job.js";
import { listBuildIds, readBuild, readBuildRecord } from "./records.js";
import { formatGoDuration } from "../shared/template/index.js";

/**
 * What a sweep learnt about each build that later sweeps need not read again: a build's deadline
 * (submittedAt + waitTimeoutMs never change) and whether it is beyond any timeout (finished, or no
 * timeout). Reading every build and every job of every build ever made, every 2 s, cost the
 * controller and NATS more CPU per build than queueing it once the bucket held a few thousand.
 */
export type SweepMemory = Map<string, number | "never">;

export async function failJobsWaitingTooLong(ctx: ControllerContext, now = Date.now(), memory: SweepMemory = new Map()): Promise<number> {
  let agents: AgentPresence[] | undefined;
  let failed = 0;
  const ids = await listBuildIds(ctx.bus.builds);
  const listed = new Set(ids);
  for (const id of memory.keys()) if (!listed.has(id)) memory.delete(id); // expired or removed
  for (const id of ids) {
    const known = memory.get(id);
    if (known === "never" || (known !== undefined && now < known)) continue;
    const stored = await readBuildRecord(ctx.bus.builds, id, ctx.log);
    if (!stored) continue;
    const { record } = stored;
    if (record.waitTimeoutMs === 0) {
      memory.set(id, "never");
      continue;
    }
    const deadline = Date.parse(record.submittedAt) + record.waitTimeoutMs;
    if (now < deadline) {
      memory.set(id, deadline);
      continue;
    }
    const build = await readBuild(ctx.bus.builds, id, ctx.log);
    if (!build) continue;
    if (allJobsFinished(build.record, build.jobs)) {
      memory.set(id, "never");
      continue;
    }
    agents ??= await presentAgents(ctx.bus.agents, ctx.log);
    for (const job of build.jobs) {
      if (job.state !== "queued" || agents.some((a) => agentCanRun(a, job.builderType, job.needs))) continue;
      const reason = `${waitingReason(job.builderType, job.needs)} for ${formatGoDuration(build.record.waitTimeoutMs)} (the build's wait timeout): no such agent joined the farm`;
      if (await dropJob(ctx, { buildId: id, jobIndex: job.jobIndex, state: "failed", error: reason })) failed++;
    }
  }
  return failed;
}

/** Runs the sweep every `intervalMs` until stopped; a failing sweep is logged and retried. */
export function sweepWaitingJobs(ctx: ControllerContext, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const memory: SweepMemory = new Map();
  const timer = setInterval(() => {
    running = running.then(() =>
      failJobsWaitingTooLong(ctx, Date.now(), memory).catch((e: unknown) => ctx.log.warn("wait-timeout sweep failed", { reason: e instanceof Error ? e.message : String(e) })),
    );
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
