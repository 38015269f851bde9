/**
 * Jobs that wait too long for a capable agent fail ("no agent with: qemu within 1h"). A sweep
 * every few seconds looks at unfinished builds; dropJob's compare-and-set keeps several
 * controllers (and an agent taking the job at the last moment) from stepping on each other.
 */
import { presentAgents, agentCanRun, waitingReason } from "./agents.js";
import type { ControllerContext } from "./context.js";
import { allJobsFinished } from "./build-view.js";
import { dropJob } from "./drop-job.js";
import { listBuildIds, readBuild } from "./records.js";
import { formatGoDuration } from "../shared/template/index.js";
import { reasonOf } from "../shared/bus/index.js";
import { sleep } from "../shared/sleep.js";

export async function failJobsWaitingTooLong(ctx: ControllerContext, now = Date.now(), signal?: AbortSignal): Promise<number> {
  const agents = await presentAgents(ctx.bus, ctx.log);
  let failed = 0;
  for (const id of await listBuildIds(ctx.bus)) {
    if (signal?.aborted) break;
    const build = await readBuild(ctx.bus.builds, id, ctx.log);
    if (!build || build.record.waitTimeoutMs === 0 || allJobsFinished(build.record, build.jobs)) continue;
    const waited = now - Date.parse(build.record.submittedAt);
    if (waited < build.record.waitTimeoutMs) continue;
    for (const job of build.jobs) {
      if (job.state !== "queued" || agents.some((a) => agentCanRun(a, job.builderType, job.needs))) continue;
      const reason = `${waitingReason(job.builderType, job.needs)} for ${formatGoDuration(build.record.waitTimeoutMs)} (the build's wait timeout): no such agent joined the farm`;
      if (await dropJob(ctx, { buildId: id, jobIndex: job.jobIndex, state: "failed", error: reason })) failed++;
    }
  }
  return failed;
}

/**
 * Runs the sweep every `intervalMs` until stopped; a failing sweep is logged and retried. One
 * sweep at a time, the next `intervalMs` after the last ended: during a NATS outage, sweeps that
 * each wait for a request timeout must not queue up behind each other (a stop used to wait for
 * all of them). Stopping aborts the sweep under way between builds.
 */
export function sweepWaitingJobs(ctx: ControllerContext, intervalMs: number): { stop(): Promise<void> } {
  const stopped = new AbortController();
  const signal = AbortSignal.any([stopped.signal, ctx.stopping]);
  const loop = (async () => {
    while (!signal.aborted) {
      await sleep(intervalMs, signal);
      if (signal.aborted) break;
      await failJobsWaitingTooLong(ctx, Date.now(), signal).catch((e: unknown) => {
        if (!signal.aborted) ctx.log.warn("wait-timeout sweep failed", { reason: reasonOf(e) });
      });
    }
  })();
  return {
    async stop() {
      stopped.abort();
      await loop;
    },
  };
}
