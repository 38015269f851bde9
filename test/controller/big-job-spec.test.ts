/**
 * Job specs bigger than the farm's NATS max_payload (a template with one huge variable) travel
 * through the bundles object store, sealed with a key that only the job message carries.
 */
import test from "ava";
import { createHash, randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { startAgent } from "../../agent/farm/index.js";
import { State, type ArtifactChunk } from "../../proto/gen/kiln/v1/farm.js";
import {
  BUNDLES_STORE,
  DEAD_LETTER_SUBJECT,
  decodeJob,
  decodeJobRecord,
  encode,
  jobKey,
  jobSpecObjectName,
  JOBS_STREAM,
  putObject,
  type JobEnvelope,
  type JobRecord,
} from "../../shared/bus/index.js";
import { collect, packTemplate, rpc, startHarness, submitRequest, waitFor, watch } from "./farm-harness.js";
import { tempDir } from "../fixtures/temp-dir.js";

const FIVE_MB = 5 * 1024 * 1024;

/** One file build whose content is a 5 MB sensitive variable: its job cannot be one 1 MB message. */
function hugeTemplate(marker: string): string {
  return JSON.stringify({
    variables: { blob: marker.repeat(Math.ceil(FIVE_MB / marker.length)) },
    "sensitive-variables": ["blob"],
    builders: [{ type: "file", name: "f", target: "out.txt", content: "{{user `blob`}}" }],
    provisioners: [{ type: "shell-local", inline: ["echo built {{build_name}} from a sealed spec"] }],
  });
}

const storedSpecFinished = (b: { state: State }): boolean => b.state === State.STATE_SUCCEEDED || b.state === State.STATE_FAILED;

async function agentWorkDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await tempDir("kiln-big-spec-agent-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("a 5 MB template builds on the farm through a sealed spec in the object store: the client gets its output and artifact, the store never holds the spec in plaintext, and it is removed once the build finished", async (t) => {
  t.timeout(180_000);
  const h = await startHarness(t, { settings: { retentionMs: 20_000 } });
  const bus = h.controller.bus;
  const marker = "sealed-spec-plaintext-marker ";
  const response = await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": hugeTemplate(marker) })));
  const id = response.build!.id;

  // Queued before any agent runs: the job message refers to the spec, and carries its key.
  const queued = await bus.jsm.streams.getMessage(JOBS_STREAM, { seq: 1 });
  t.true(queued!.data.length < 64 * 1024, `the job message is small (${queued!.data.length} bytes)`);
  const envelope: JobEnvelope = decodeJob(queued!.data, queued!.subject);
  t.is(envelope.spec, undefined);
  t.is(envelope.storedSpec?.object, jobSpecObjectName(id, 0));
  const sealed = await bus.bundles.getBlob(jobSpecObjectName(id, 0));
  t.truthy(sealed);
  t.true(sealed!.length > FIVE_MB, "the whole spec is stored");
  const stored = Buffer.from(sealed!);
  t.is(stored.indexOf(marker.slice(0, 16)), -1, "the variable's value is not in the store as plaintext");
  t.is(stored.indexOf('"builder"'), -1, "nor is the spec's JSON");
  t.is(createHash("sha256").update(stored).digest("hex"), envelope.storedSpec!.sha256);

  const agent = await startAgent({ nats: { url: h.nats.url }, name: "big-spec-agent", builders: ["file"], pullExpiresMs: 1000, workDir: await agentWorkDir(t) });
  t.teardown(() => agent.stop());
  const output = await collect(watch(h.client, id, 0, true));
  const finished = output.find((o) => o.event?.kind === "finished");
  t.is(finished?.event?.state, State.STATE_SUCCEEDED, JSON.stringify(output.filter((o) => o.event).map((o) => o.event)));
  t.true(output.some((o) => o.log?.text.includes("built f from a sealed spec")), JSON.stringify(output.map((o) => o.log ?? o.event)).slice(0, 3000));
  t.false(output.some((o) => o.log?.text.includes(marker.slice(0, 16))), "the sensitive value is not in the log");

  const build = await rpc.getBuild(h.client, id);
  const file = build.jobs[0].artifacts.flatMap((a) => a.files).find((f) => f.path === "out.txt");
  t.truthy(file, JSON.stringify(build.jobs[0]));
  const chunks = await collect<ArtifactChunk>(h.client.downloadArtifact({ buildId: id, jobIndex: 0, path: "out.txt" }));
  const content = Buffer.concat(chunks.map((c) => c.data));
  t.is(content.length, marker.length * Math.ceil(FIVE_MB / marker.length));
  t.true(content.subarray(0, marker.length).equals(Buffer.from(marker)));

  // Removed once the build finished, while the build itself is kept (it expires later).
  t.true((await bus.builds.get(jobKey(id, 0)))?.operation === "PUT", "the build is still there");
  const record = decodeJobRecord((await bus.builds.get(jobKey(id, 0)))!.value, "job");
  t.true(record.specStored, "the job record says its spec was stored");
  await waitFor("the finished build's sealed spec to be deleted", async () => {
    const info = await bus.bundles.info(jobSpecObjectName(id, 0));
    return info === null || info.deleted ? true : undefined;
  }, 30_000);
  await waitFor("the build to expire", async () => ((await bus.builds.get(jobKey(id, 0)))?.operation === "PUT" ? undefined : true), 60_000);
});

test("a job whose stored spec is missing, forged or sealed for another job is dead-lettered with the reason and failed; the agent goes on with the next job", async (t) => {
  t.timeout(180_000);
  const h = await startHarness(t);
  const bus = h.controller.bus;
  const submitHuge = async (): Promise<string> => (await rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": hugeTemplate(`m-${randomBytes(4).toString("hex")} `) })))).build!.id;
  const missing = await submitHuge();
  const good = await submitHuge();
  // The first one's spec disappears before any agent takes it.
  await bus.bundles.delete(jobSpecObjectName(missing, 0));

  // A forged job: another job's sealed bytes under its own name, with a key of its own.
  const goodMessage = (await bus.jsm.streams.getMessage(JOBS_STREAM, { seq: 2 }))!;
  const goodEnvelope = decodeJob(goodMessage.data, goodMessage.subject);
  t.is(goodEnvelope.buildId, good);
  const forgedRecord: JobRecord = { buildId: "forged", jobIndex: 0, name: "f", builderType: "file", needs: [], state: "queued", attempts: 0, artifacts: [] };
  await bus.builds.put(jobKey("forged", 0), encode(forgedRecord));
  const goodSealed = (await bus.bundles.getBlob(jobSpecObjectName(good, 0)))!;
  await putObject({ ...bus, store: bus.bundles, bucket: BUNDLES_STORE }, jobSpecObjectName("forged", 0), (async function* () {
    yield goodSealed;
  })());
  // Same key as the good job but bound to another build id: it does not open either.
  const forged = { ...goodEnvelope, buildId: "forged", storedSpec: { ...goodEnvelope.storedSpec!, object: jobSpecObjectName("forged", 0) } };
  // A reference to another job's object.
  const stolen = { ...goodEnvelope, buildId: "thief", storedSpec: goodEnvelope.storedSpec };
  // Not a reference at all.
  const garbage = { ...goodEnvelope, buildId: "garbage", storedSpec: { ...goodEnvelope.storedSpec!, key: "short" } };

  const letters: { reason: string; build: string }[] = [];
  const dead = bus.nc.subscribe(DEAD_LETTER_SUBJECT, {
    callback: (_e, m) => void letters.push({ reason: m.headers?.get("Kiln-Reason") ?? "", build: (JSON.parse(new TextDecoder().decode(m.data)) as { buildId: string }).buildId }),
  });
  t.teardown(() => dead.unsubscribe());
  await bus.nc.flush();
  for (const m of [forged, stolen, garbage]) await bus.js.publish(goodMessage.subject, encode(m));

  const agent = await startAgent({ nats: { url: h.nats.url }, name: "spec-checker", builders: ["file"], pullExpiresMs: 1000, workDir: await agentWorkDir(t) });
  t.teardown(() => agent.stop());

  await waitFor("four dead letters", async () => (letters.length >= 4 ? true : undefined), 90_000);
  const reasonOf = (build: string): string => letters.find((l) => l.build === build)?.reason ?? "(no dead letter)";
  t.regex(reasonOf(missing), /the job's spec job-spec\/\S+\/0 is not in the object store kiln_bundles/);
  t.regex(reasonOf("forged"), /does not open with the key in the job message/);
  t.regex(reasonOf("thief"), /storedSpec\.object "job-spec\/\S+\/0" is not this job's spec \(job-spec\/thief\/0\)/);
  t.regex(reasonOf("garbage"), /storedSpec\.key: must be 32 bytes in base64/);

  // Nobody waits forever: the jobs that have records are failed with the reason.
  const failedMissing = await waitFor("the missing-spec build to fail", async () => {
    const b = await rpc.getBuild(h.client, missing);
    return storedSpecFinished(b) ? b : undefined;
  }, 30_000);
  t.is(failedMissing.state, State.STATE_FAILED);
  t.regex(failedMissing.jobs[0].error, /the job message was refused: .*is not in the object store/);
  const forgedJob = await waitFor("the forged job to fail", async () => {
    const e = await bus.builds.get(jobKey("forged", 0));
    const r = e?.json<JobRecord>();
    return r?.state === "failed" ? r : undefined;
  }, 30_000);
  t.regex(forgedJob.error ?? "", /does not open/);
  // And the agent ran the good one.
  const ok = await waitFor("the good build to finish", async () => {
    const b = await rpc.getBuild(h.client, good);
    return storedSpecFinished(b) ? b : undefined;
  }, 90_000);
  t.is(ok.state, State.STATE_SUCCEEDED, ok.jobs[0].error);
  t.is(letters.length, 4, "only the bad ones were dead-lettered");
});
