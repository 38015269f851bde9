import test from "ava";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import {
  DEAD_LETTER_SUBJECT,
  encode,
  jobConsumer,
  jobKey,
  jobSubject,
  JOBS_STREAM,
  type JobMessage,
  type JobRecord,
} from "../../../shared/bus/index.js";
import { finished, jobRecord, spawnAgentCli, startFarm, submitTemplate, waitFor } from "./farm-jobs.js";
import { tempDir } from "../../fixtures/temp-dir.js";

/**
 * Messages shaped like jobs (every field present, the right JSON types) whose values would become
 * a NATS subject token or a path on the agent: each must be refused when decoded, terminated and
 * dead-lettered with its reason, never run, never left unacked.
 */
function poisoned(good: JobMessage): { reason: RegExp; job: unknown }[] {
  return [
    { reason: /buildId/, job: { ...good, buildId: "a.b.>" } },
    { reason: /buildId/, job: { ...good, buildId: "../../escape" } },
    { reason: /templateInBundle/, job: { ...good, templateInBundle: "../../../etc/passwd" } },
    { reason: /templateInBundle/, job: { ...good, templateInBundle: "/etc/passwd" } },
    { reason: /spec\.builder\.type/, job: { ...good, spec: { ...good.spec, builder: { ...good.spec.builder, type: "null.>" } } } },
    { reason: /spec\.name/, job: { ...good, spec: { ...good.spec, name: "bad\u0000name" } } },
  ];
}

test("job messages whose ids or paths are unsafe are terminated and dead-lettered; the agent keeps taking jobs and exits promptly on SIGTERM", async (t) => {
  t.timeout(120_000);
  const farm = await startFarm(30_000);
  t.teardown(() => farm.stop());
  const workDir = await tempDir("kiln-poison-");
  t.teardown(() => rm(workDir, { recursive: true, force: true }));
  const agent = spawnAgentCli(["--builders", "null", "--log-format", "json"], {
    KILN_NATS_URL: farm.nats.url,
    KILN_AGENT_NAME: "poison-taster",
    KILN_AGENT_WORK_DIR: workDir,
  });
  t.teardown(() => void agent.child.kill("SIGKILL"));
  await waitFor("the agent to start", async () => agent.output(), (o) => o.includes("is taking jobs"), 45_000);

  // A good build first: its message is the template of the poisoned ones.
  const good = await submitTemplate(farm.bus, {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["echo first"] }],
  });
  t.is((await waitFor("the first good job", () => jobRecord(farm.bus, good.buildId, 0), finished, 45_000))?.state, "succeeded");

  const bad = poisoned(good.jobs[0]);
  const letters: { reason: string; data: string }[] = [];
  const dead = farm.bus.nc.subscribe(DEAD_LETTER_SUBJECT, {
    callback: (_e, m) => void letters.push({ reason: m.headers?.get("Kiln-Reason") ?? "", data: new TextDecoder().decode(m.data) }),
  });
  t.teardown(() => dead.unsubscribe());
  await farm.bus.nc.flush();
  for (const b of bad) await farm.bus.js.publish(jobSubject("null"), encode(b.job));

  await waitFor("every poisoned message dead-lettered", async () => letters.length, (n) => n >= bad.length, 45_000);
  t.is(letters.length, bad.length);
  for (const [i, b] of bad.entries()) {
    t.regex(letters[i].reason, b.reason, `message ${i} is refused for the right field`);
    t.deepEqual(JSON.parse(letters[i].data), b.job, "the dead letter carries the message as it came");
  }

  // A refused message that still names a queued job safely: that job fails with the reason, so
  // nobody waits for it forever.
  const refused: JobRecord = { buildId: "refused-build", jobIndex: 0, name: "null", builderType: "null", needs: [], state: "queued", attempts: 0, artifacts: [] };
  await farm.bus.builds.put(jobKey("refused-build", 0), encode(refused));
  await farm.bus.js.publish(jobSubject("null"), encode({ ...good.jobs[0], buildId: "refused-build", templateInBundle: "../outside.json" }));
  const refusedRecord = await waitFor("the refused job's record", () => jobRecord(farm.bus, "refused-build", 0), finished, 45_000);
  t.is(refusedRecord?.state, "failed");
  t.regex(refusedRecord?.error ?? "", /^the job message was refused: .*templateInBundle: must be a relative path inside the bundle/);
  t.is(letters.length, bad.length + 1, "and it is dead-lettered");

  // A well-formed job whose bundle is gone fails for good with the reason (acked, not dead-lettered).
  // (Its record exists, as the controller writes it when it queues a job: agents cannot create one
  // for a build the controller does not know.)
  await farm.bus.builds.put(jobKey("bundle-gone", 0), encode({ ...refused, buildId: "bundle-gone" }));
  await farm.bus.js.publish(jobSubject("null"), encode({ ...good.jobs[0], buildId: "bundle-gone", bundle: { sha256: "0".repeat(64), size: 1 } }));
  const gone = await waitFor("the job without a bundle to fail", () => jobRecord(farm.bus, "bundle-gone", 0), finished, 45_000);
  t.is(gone?.state, "failed");
  t.regex(gone?.error ?? "", /bundle 0{64} is not in the object store/);
  t.is(letters.length, bad.length + 1, "a job that failed is not garbage");

  // Nothing waits for an ack or a redelivery; the work queue is empty.
  const info = await waitFor(
    "the consumer to hold nothing",
    () => farm.bus.jsm.consumers.info(JOBS_STREAM, jobConsumer("null")),
    (i) => i.num_ack_pending === 0 && i.num_pending === 0,
    10_000,
  );
  t.is(info.num_redelivered, 0, "none was redelivered");
  t.is((await farm.bus.jsm.streams.info(JOBS_STREAM)).state.messages, 0);

  // The agent still takes good jobs.
  const after = await submitTemplate(farm.bus, {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["echo still alive"] }],
  });
  t.is((await waitFor("the next good job", () => jobRecord(farm.bus, after.buildId, 0), finished, 45_000))?.state, "succeeded");

  // And it stops when asked: no timer of a refused job keeps the process alive.
  const exited = once(agent.child, "exit");
  const stopAsked = Date.now();
  agent.child.kill("SIGTERM");
  const [code] = (await Promise.race([exited, new Promise((r) => setTimeout(() => r(["still running"]), 15_000))])) as [unknown];
  t.is(code, 0, `the agent exits on SIGTERM (output:\n${agent.output().slice(-2000)})`);
  t.true(Date.now() - stopAsked < 15_000);
});

test("SIGTERM stops an agent promptly while NATS is gone and a job runs", async (t) => {
  t.timeout(120_000);
  const farm = await startFarm(30_000);
  t.teardown(() => farm.stop());
  const workDir = await tempDir("kiln-sigterm-");
  t.teardown(() => rm(workDir, { recursive: true, force: true }));
  const agent = spawnAgentCli(["--builders", "null", "--log-format", "json"], { KILN_NATS_URL: farm.nats.url, KILN_AGENT_NAME: "stranded", KILN_AGENT_WORK_DIR: workDir });
  t.teardown(() => void agent.child.kill("SIGKILL"));
  await waitFor("the agent to start", async () => agent.output(), (o) => o.includes("is taking jobs"), 45_000);
  const { buildId } = await submitTemplate(farm.bus, {
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["for i in $(seq 1 600); do echo tick $i; sleep 0.1; done"] }],
  });
  await waitFor("the job to run", () => jobRecord(farm.bus, buildId, 0), (r) => r?.state === "running", 45_000);
  await waitFor("the job's output", async () => agent.output(), (o) => o.includes("job started"), 10_000);

  await farm.bus.close();
  await farm.nats.stop();
  const exited = once(agent.child, "exit");
  const stopAsked = Date.now();
  agent.child.kill("SIGTERM");
  const [code] = (await Promise.race([exited, new Promise((r) => setTimeout(() => r(["still running"]), 40_000))])) as [unknown];
  const tookMs = Date.now() - stopAsked;
  t.log(`exited after ${tookMs} ms`);
  t.not(code, "still running", agent.output().slice(-3000));
  // NATS is unreachable: the agent gives up on it at once (no retries, no request timeouts).
  t.true(tookMs < 10_000, `stopped in ${tookMs} ms`);
});
