/**
 * Agent labels on a farm: a build whose kiln.json (or -label) needs labels is queued apart, an
 * agent without them never takes it and the controller says what it waits for; an agent with
 * all of them finds the queue and runs it, retries included. `kiln builds -jobs` and `kiln agents`
 * show labels and priority. Real nats-server, controller, agents and CLI.
 */
import test from "ava";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { startController, type RunningController } from "../../controller/index.js";
import { FarmClient } from "../../proto/gen/kiln/v1/farm.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { runKilnCli } from "../fixtures/kiln-cli.js";
import { rpc, waitFor } from "../controller/farm-harness.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

interface Farm {
  nats: NatsServerFixture;
  controller: RunningController;
  client: FarmClient;
  agents: AgentHandle[];
}

async function startFarm(t: import("ava").ExecutionContext): Promise<Farm> {
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, sweepIntervalMs: 200 });
  t.teardown(() => controller.stop());
  const client = new FarmClient(`127.0.0.1:${controller.port}`, credentials.createInsecure());
  t.teardown(() => client.close());
  const farm: Farm = { nats, controller, client, agents: [] };
  // Registered last, run first: agents stop before the controller and NATS.
  t.teardown(async () => {
    for (const a of farm.agents) await a.stop();
  });
  return farm;
}

function workspace(t: import("ava").ExecutionContext, files: Record<string, unknown>): string {
  const dir = tempDirSync("kiln-farm-labels-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return dir;
}

const kiln = (farm: Farm, dir: string, ...args: string[]) =>
  runKilnCli([...args.slice(0, 1), ...(args[0] === "build" ? ["-color=false"] : []), `--controller=127.0.0.1:${farm.controller.port}`, ...args.slice(1)], {
    cwd: dir,
    env: { KILN_TOKEN: "" },
    killAfterMs: 120_000,
  });

test("a job needing labels waits, never on an agent without them, says what it waits for; an agent with all of them runs it", async (t) => {
  t.timeout(150_000);
  const farm = await startFarm(t);
  // Has one of the two labels, with another value: still not enough.
  const plain = await startAgent({ nats: { url: farm.nats.url }, name: "agent-us", labels: { gpu: "", site: "us" }, builders: ["null"], pullExpiresMs: 1000, queueRefreshMs: 200 });
  farm.agents.push(plain);
  const dir = workspace(t, {
    "template.json": { builders: [{ type: "null", name: "box", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["echo built with labels"] }] },
    "kiln.json": { builds: { "b*": { labels: ["gpu", "site=eu"], priority: "high" } } },
  });
  const running = kiln(farm, dir, "build", "template.json");

  const waiting = await waitFor(
    "the job to wait for an agent with its labels",
    async () => {
      const id = (await rpc.listBuilds(farm.client)).builds[0]?.id;
      const build = id ? await rpc.getBuild(farm.client, id) : undefined;
      return build?.jobs[0]?.waitingFor ? build : undefined;
    },
    30_000,
  );
  const job = waiting.jobs[0]!;
  t.is(job.waitingFor, "waiting for an agent with: label gpu, label site=eu");
  t.deepEqual(job.labels, ["gpu", "site=eu"]);
  t.is(job.priority, "high");

  const listed = await kiln(farm, dir, "builds", "-jobs");
  t.is(listed.status, 0, listed.stderr);
  t.regex(listed.stdout, new RegExp(`${waiting.id}\\s+0\\s+box\\s+queued\\s+-\\s+gpu,site=eu\\s+high\\s+waiting for an agent with: label gpu, label site=eu`));

  // Give agent-us several looks at the farm's queues: it must not open this one.
  const queue = "null__L_gpu__L_site_eu__P_high";
  await new Promise((r) => setTimeout(r, 1000));
  t.false(plain.queues().includes(queue), `agent-us pulls ${plain.queues().join(", ")}`);
  t.is((await rpc.getBuild(farm.client, waiting.id)).jobs[0]!.agent, "", "agent-us did not take it");

  const labelled = await startAgent({ nats: { url: farm.nats.url }, name: "agent-eu", labels: { gpu: "", site: "eu" }, builders: ["null"], pullExpiresMs: 1000, queueRefreshMs: 200 });
  farm.agents.push(labelled);
  const r = await running;
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /box: built with labels/);
  t.true(labelled.queues().includes(queue));
  const done = await rpc.getBuild(farm.client, waiting.id);
  t.is(done.jobs[0]!.agent, "agent-eu");
  t.is(done.jobs[0]!.attempts, 1);

  const agents = await kiln(farm, dir, "agents");
  t.is(agents.status, 0, agents.stderr);
  t.regex(agents.stdout, /agent-eu\s.*gpu,site=eu/);
  t.regex(agents.stdout, /agent-us\s.*gpu,site=us/);
});

test("labels and retries together: -label on the command line, kiln.json's retries, every attempt on the labelled agent", async (t) => {
  t.timeout(150_000);
  const farm = await startFarm(t);
  farm.agents.push(await startAgent({ nats: { url: farm.nats.url }, name: "agent-plain", builders: ["null"], pullExpiresMs: 1000, queueRefreshMs: 200 }));
  farm.agents.push(await startAgent({ nats: { url: farm.nats.url }, name: "agent-ssd", labels: { ssd: "" }, builders: ["null"], pullExpiresMs: 1000, queueRefreshMs: 200 }));
  const dir = workspace(t, {});
  const count = join(dir, "count");
  writeFileSync(
    join(dir, "template.json"),
    JSON.stringify({
      builders: [{ type: "null", name: "flaky", communicator: "none" }],
      // Fails twice, then passes; prints where it ran ($PWD is the agent's job folder, named by the agent).
      provisioners: [{ type: "shell-local", inline: [`n=$(cat ${count} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${count}; [ $n -ge 3 ] || exit 3`] }],
    }),
  );
  writeFileSync(join(dir, "kiln.json"), JSON.stringify({ builds: { flaky: { retries: 2, labels: ["gpu"] } } }));
  const r = await kiln(farm, dir, "build", "-label=ssd", "template.json");
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /flaky: Attempt 3 of 3/);
  t.regex(r.stdout, /flaky: Build succeeded on attempt 3 of 3/);
  t.is(readFileSync(count, "utf8").trim(), "3");
  const build = await rpc.getBuild(farm.client, (await rpc.listBuilds(farm.client)).builds[0]!.id);
  t.deepEqual(build.jobs[0]!.labels, ["ssd"], "-label replaced kiln.json's labels");
  t.is(build.jobs[0]!.agent, "agent-ssd");
  t.is(build.jobs[0]!.attempts, 1, "one delivery: the agent that took it ran all three attempts");

  const bad = await kiln(farm, dir, "build", "-label=site.eu", "template.json");
  t.is(bad.status, 1);
  t.regex(bad.stderr, /-label\[0\]: "site\.eu" is not a label/);
});
