/**
 * The job's own folder under the agent's work dir, with its lease: the bundle and every temp file
 * of the build go in it, so removing it (here, or the reaper after a crash) leaves nothing behind.
 */
import { createJobDir, removeJobDir } from "../job-dirs.js";
import type { JobStep } from "./job-step.js";

export const stepJobFolder: JobStep<object, { jobDir: string }> = {
  name: "make the job's folder",
  async run(ctx) {
    const { agent, job, attempt } = ctx;
    const jobDir = await createJobDir(agent.workDir, {
      agent: agent.agentName,
      pid: process.pid,
      buildId: job.buildId,
      jobIndex: job.jobIndex,
      attempt,
      startedAt: new Date().toISOString(),
    });
    return { jobDir };
  },
  async cleanup(_ctx, state) {
    if (state.jobDir) await removeJobDir(state.jobDir);
  },
};
