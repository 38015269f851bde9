/** A restarted agent removes the build containers of its dead jobs, and only those. */
import test from "ava";
import { reapDockerContainers } from "../../../agent/builders/docker/reap-containers.js";
import type { JobLease } from "../../../agent/farm/job-dirs.js";
import { silentLog } from "../../../shared/operator-log.js";
import { useDockerEngine, type DockerEngineFixture } from "../../fixtures/docker-engine.js";

let engine: DockerEngineFixture;
test.before(async () => {
  engine = await useDockerEngine();
  process.env.DOCKER_HOST = engine.host;
});
test.after.always(async () => {
  await engine?.stop();
});

function lease(pid: number): JobLease {
  return { agent: "a", pid, buildId: "b", jobIndex: 0, attempt: 1, startedAt: new Date().toISOString() };
}

async function labelledContainer(pid: string): Promise<string> {
  const c = await engine.docker.createContainer({
    Image: engine.baseImage,
    Entrypoint: ["/bin/sh"],
    Tty: true,
    Labels: { "kiln.build": "reap-test", "kiln.pid": pid },
    HostConfig: { NetworkMode: "none" },
  });
  await c.start();
  return c.id;
}

test("removes containers of dead jobs and keeps the others", async (t) => {
  const deadPid = 4_000_000 + Math.floor(Math.random() * 100_000);
  const dead = await labelledContainer(String(deadPid));
  const alive = await labelledContainer(String(deadPid + 1));
  await reapDockerContainers([lease(deadPid)], silentLog);
  const ids = (await engine.docker.listContainers({ all: true, filters: { label: ["kiln.build=reap-test"] } })).map((c) => c.Id);
  t.false(ids.includes(dead));
  t.true(ids.includes(alive));
  await engine.docker.getContainer(alive).remove({ force: true });
});
