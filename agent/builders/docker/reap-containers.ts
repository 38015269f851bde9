/**
 * After a crash, build containers of dead jobs are still running on the engine. A restarted agent
 * removes the Kiln-labelled containers whose agent process (kiln.pid) was one of those jobs'.
 */
import type { LeftoverReaper } from "../types.js";
import { dockerEngine, KILN_CONTAINER_LABEL, KILN_PID_LABEL } from "./engine.js";

export const reapDockerContainers: LeftoverReaper = async (deadJobs, log) => {
  if (deadJobs.length === 0) return;
  const deadPids = new Set(deadJobs.map((job) => String(job.pid)));
  const docker = dockerEngine();
  let containers: Awaited<ReturnType<typeof docker.listContainers>>;
  try {
    containers = await docker.listContainers({ all: true, filters: { label: [KILN_CONTAINER_LABEL] } });
  } catch {
    return; // no engine on this agent: nothing of ours can be left on it
  }
  for (const c of containers) {
    const pid = c.Labels[KILN_PID_LABEL];
    if (pid === undefined || !deadPids.has(pid)) continue;
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .then(() => log.info("removed a build container left by a dead job", { container: c.Id, build: c.Labels[KILN_CONTAINER_LABEL] }))
      .catch((e: unknown) => log.warn("could not remove a build container left by a dead job", { container: c.Id, error: String(e) }));
  }
};
