import test from "ava";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, symlink, mkdtemp, writeFile } from "node:fs/promises";
import path from "node:path";
import { PassThrough } from "node:stream";
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { main } from "../../cli/main.js";
import { buildKey, decodeBuildRecord, decodeJob, decodeJobRecord, encode, jobKey, JOBS_STREAM, agentKey, type AgentPresence } from "../../shared/bus/index.js";
import { FarmClient, State } from "../../proto/gen/kiln/v1/farm.js";
import { bearer, collect, rpc, packTemplate, startHarness, submitRequest, TWO_BUILDERS, watch } from "./farm-harness.js";

test("a valid template: bundle stored by sha256, records written, one job message per builder on its type's subject", async (t) => {
  const h = await startHarness(t);
  const bundle = await packTemplate(h.dir, { "template.json": TWO_BUILDERS });
  const res = await rpc.submitBuild(h.client, submitRequest(bundle));
  const build = res.build!;
  t.is(build.state, State.STATE_QUEUED);
  t.deepEqual(build.jobs.map((j) => [j.name, j.builderType, j.needs]), [["container", "docker", ["docker"]], ["local-file", "file", []]]);
  t.is(build.jobs[0].waitingFor, "waiting for an agent with: docker");

  const sha = createHash("sha256").update(bundle).digest("hex");
  t.true(Buffer.from((await h.controller.bus.bundles.getBlob(sha))!).equals(bundle));

  const record = decodeBuildRecord((await h.controller.bus.builds.get(buildKey(build.id)))!.value, "test");
  t.is(record.jobCount, 2);
  t.false(record.cancelRequested);
  for (const [i, type] of [[0, "docker"], [1, "file"]] as const) {
    const job = decodeJobRecord((await h.controller.bus.builds.get(jobKey(build.id, i)))!.value, "test");
    t.is(job.state, "queued");
    const stored = await h.controller.bus.jsm.streams.getMessage(JOBS_STREAM, { seq: job.queueSequence! });
    t.is(stored!.subject, `kiln.jobs.${type}`);
    const msg = decodeJob(stored!.data, stored!.subject);
    t.is(msg.buildId, build.id);
    t.is(msg.jobIndex, i);
    t.is(msg.bundle.sha256, sha);
    t.is(msg.templateInBundle, "template.json");
  }
  t.truthy(await h.controller.bus.jsm.consumers.info(JOBS_STREAM, "jobs-docker"));

  // An agent that runs file builds appears: the file job no longer waits, and ListAgents shows it.
  const presence: AgentPresence = {
    name: "a1", host: "h1", version: "0.1.0", labels: { rack: "2" }, capabilities: ["arch:x86_64"], builderTypes: ["file", "null"],
    slots: 2, busy: 0, startedAt: new Date().toISOString(), lastSeen: new Date().toISOString(),
  };
  await h.controller.bus.agents.put(agentKey("a1"), encode(presence));
  const again = await rpc.getBuild(h.client, build.id);
  t.is(again.jobs[0].waitingFor, "waiting for an agent with: docker");
  t.is(again.jobs[1].waitingFor, "");
  const agents = await rpc.listAgents(h.client);
  t.deepEqual(agents.agents.map((a) => [a.name, a.slots, a.builderTypes, a.labels]), [["a1", 2, ["file", "null"], { rack: "2" }]]);

  // A second submit of the same folder reuses the stored bundle; ListBuilds is newest first.
  const second = await rpc.submitBuild(h.client, submitRequest(bundle));
  const list = await rpc.listBuilds(h.client);
  t.deepEqual(list.builds.map((b) => b.id), [second.build!.id, build.id]);
});

test("an invalid template is refused with exactly what kiln validate prints, and nothing is queued", async (t) => {
  const h = await startHarness(t);
  const template = JSON.stringify({ builders: [{ type: "file", name: "f" }] }); // no target
  const bundle = await packTemplate(h.dir, { "template.json": template });
  const err = await t.throwsAsync<ServiceError>(rpc.submitBuild(h.client, submitRequest(bundle)));
  t.is(err!.code, status.INVALID_ARGUMENT);

  const folder = await mkdtemp(path.join(h.dir, "validate-"));
  await writeFile(path.join(folder, "template.json"), template);
  const stdout = new PassThrough();
  let printed = "";
  stdout.on("data", (d: Buffer) => (printed += d.toString()));
  const code = await main(["validate", "template.json"], { stdout, stderr: new PassThrough(), stdin: new PassThrough(), cwd: folder, env: {}, machineReadable: false });
  t.is(code, 1);
  t.is(err!.details, printed);
  t.regex(err!.details, /target/);
  t.is((await h.controller.bus.jsm.streams.info(JOBS_STREAM)).state.messages, 0);
  t.deepEqual((await rpc.listBuilds(h.client)).builds, []);
});

test("bad bundles are refused with the entry named: '..' escape, absolute path, symlink outside, oversize", async (t) => {
  const h = await startHarness(t, { settings: { maxBundleBytes: 64 * 1024 } });
  const folder = await mkdtemp(path.join(h.dir, "bad-"));
  await writeFile(path.join(folder, "template.json"), TWO_BUILDERS);
  const tgz = path.join(h.dir, "bad.tgz");
  const refused = async (args: string[]): Promise<string> => {
    execFileSync("tar", ["-czf", tgz, "-C", folder, ...args]);
    const err = await t.throwsAsync<ServiceError>(rpc.submitBuild(h.client, submitRequest(await readFile(tgz))));
    t.is(err!.code, status.INVALID_ARGUMENT);
    return err!.details;
  };
  t.regex(await refused(["-P", "--transform", "s,^template,../template,", "template.json"]), /bad bundle for template\.json: bundle entry "\.\.\/template\.json".*escapes/);
  t.regex(await refused(["-P", "--transform", "s,^template,/etc/template,", "template.json"]), /"\/etc\/template\.json".*absolute paths are not allowed/);
  await symlink("/etc/shadow", path.join(folder, "secrets"));
  t.regex(await refused(["template.json", "secrets"]), /"secrets": a symlink to an absolute path \(\/etc\/shadow\) points outside/);
  execFileSync("rm", [path.join(folder, "secrets")]);
  await writeFile(path.join(folder, "big.bin"), Buffer.alloc(200 * 1024, 7));
  t.regex(await refused(["template.json", "big.bin"]), /"big\.bin": the bundle's files add up to more than 64 KiB/);
  // A template path pointing out of the bundle is refused before anything is read.
  const good = await packTemplate(h.dir, { "template.json": TWO_BUILDERS });
  const err = await t.throwsAsync<ServiceError>(rpc.submitBuild(h.client, submitRequest(good, { templatePath: "../../etc/passwd" })));
  t.regex(err!.details, /template_path "\.\.\/\.\.\/etc\/passwd" must be a relative path inside the bundle/);
  t.is((await h.controller.bus.jsm.streams.info(JOBS_STREAM)).state.messages, 0);
});

test("with a token: no token or a wrong one gets UNAUTHENTICATED, the right one works", async (t) => {
  const h = await startHarness(t, { token: "s3cret-token" });
  const missing = await t.throwsAsync<ServiceError>(rpc.listBuilds(h.client));
  t.is(missing!.code, status.UNAUTHENTICATED);
  t.regex(missing!.details, /requires a token/);
  const wrong = await t.throwsAsync<ServiceError>(rpc.listBuilds(h.client, bearer("nope")));
  t.is(wrong!.code, status.UNAUTHENTICATED);
  t.regex(wrong!.details, /refused the token/);
  const streamErr = await t.throwsAsync<ServiceError>(
    new Promise((resolve, reject) => {
      const s = h.client.watchBuild({ buildId: "x", afterSequence: 0, follow: false, acceptTextEncodings: [] });
      s.on("data", () => undefined);
      s.on("error", reject);
      s.on("end", resolve);
    }),
  );
  t.is(streamErr!.code, status.UNAUTHENTICATED);
  t.deepEqual((await rpc.listBuilds(h.client, bearer("s3cret-token"))).builds, []);
});

test("TLS with a self-signed certificate made by openssl", async (t) => {
  const h = await startHarness(t);
  const key = path.join(h.dir, "key.pem");
  const cert = path.join(h.dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });
  const tls = await h.startAnother({ tls: { certFile: cert, keyFile: key }, token: "tok" });
  const client = new FarmClient(`127.0.0.1:${tls.port}`, credentials.createSsl(await readFile(cert)));
  t.teardown(() => client.close());
  t.deepEqual((await rpc.listBuilds(client, bearer("tok"))).builds, []);
  // A plaintext client cannot talk to it.
  const plain = new FarmClient(`127.0.0.1:${tls.port}`, credentials.createInsecure());
  t.teardown(() => plain.close());
  const err = await t.throwsAsync<ServiceError>(rpc.listBuilds(plain, bearer("tok")));
  t.is(err!.code, status.UNAVAILABLE);
});

test("a fault between writing the records and publishing the jobs: the client gets a clear error, the jobs are failed (not queued forever) and a follower's watch ends", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t);
  // A real fault at that point: the jobs stream is gone when the controller publishes.
  await h.controller.bus.jsm.streams.delete(JOBS_STREAM);
  const e = await t.throwsAsync(rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": TWO_BUILDERS }))));
  t.regex(e!.message, /build (\S+) could not be queued \(.*\); 2 of its 2 jobs were marked failed: submit it again/);
  const id = /build (\S+) could not be queued/.exec(e!.message)![1];
  const build = await rpc.getBuild(h.client, id);
  t.deepEqual(build.jobs.map((j) => j.state), [State.STATE_FAILED, State.STATE_FAILED]);
  t.regex(build.jobs[0].error, /the controller could not queue this job/);
  // kiln logs -f on it returns: every job has finished.
  const items = await collect(watch(h.client, id, 0, true));
  t.deepEqual(items.filter((i) => i.event?.kind === "finished").map((i) => i.event!.jobIndex).sort(), [0, 1]);
});

test("a template with a type Kiln validates but cannot run is refused before queueing, with the text a local kiln build prints", async (t) => {
  t.timeout(30_000);
  const h = await startHarness(t);
  const template = JSON.stringify({ builders: [{ type: "file", name: "f", target: "out.txt", content: "x" }], "post-processors": [{ type: "googlecompute-export", paths: ["gs://bucket/image.tar.gz"] }] });
  const e = await t.throwsAsync(rpc.submitBuild(h.client, submitRequest(await packTemplate(h.dir, { "template.json": template }))));
  t.is((e as unknown as { code: number }).code, status.INVALID_ARGUMENT, e?.message);
  t.regex(e!.message, /Failed to prepare build: "f"/);
  t.regex(e!.message, /Kiln cannot run the post-processor type "googlecompute-export" yet/);
  const keys: string[] = [];
  for await (const k of await h.controller.bus.builds.keys()) keys.push(k);
  t.deepEqual(keys, []);
});

test("SubmitBuild streams the bundle: a 20 MB bundle arrives in 1 MiB messages and is stored whole; one 20 MB message is refused", async (t) => {
  t.timeout(90_000);
  const h = await startHarness(t, { settings: { maxBundleBytes: 64 * 1024 * 1024 } });
  const { randomBytes } = await import("node:crypto");
  const bundle = await packTemplate(h.dir, { "template.json": JSON.stringify({ builders: [{ type: "file", name: "f", source: "big.bin", target: "out.bin" }] }), "big.bin": randomBytes(20 * 1024 * 1024).toString("base64") });
  t.true(bundle.length > 20 * 1024 * 1024);
  const { build } = await rpc.submitBuild(h.client, submitRequest(bundle));
  const sha256 = createHash("sha256").update(bundle).digest("hex");
  const job = decodeJob((await h.controller.bus.jsm.streams.getMessage(JOBS_STREAM, { seq: 1 }))!.data, "job");
  t.is(job.bundle.sha256, sha256);
  t.is(job.bundle.size, bundle.length);
  t.is((await h.controller.bus.bundles.getBlob(sha256))?.length, bundle.length);
  t.is(build!.jobs.length, 1);

  // The same bundle as one message: more than the controller takes in one message.
  const whole = await new Promise<ServiceError>((resolve) => {
    const call = h.client.submitBuild(new Metadata(), (err) => resolve(err!));
    call.write(submitRequest(bundle));
    call.end();
  });
  t.is(whole.code, status.RESOURCE_EXHAUSTED, whole.message);
});

test("an oversize bundle is refused while it arrives, before the client has sent it all", async (t) => {
  t.timeout(60_000);
  const h = await startHarness(t, { settings: { maxBundleBytes: 2 * 1024 * 1024 } });
  let sent = 0;
  const refused = await new Promise<ServiceError>((resolve) => {
    const call = h.client.submitBuild(new Metadata(), (err) => resolve(err!));
    const chunk = Buffer.alloc(256 * 1024, 1);
    const pump = (): void => {
      while (sent < 200 * 1024 * 1024) {
        sent += chunk.length;
        if (!call.write(submitRequest(chunk))) return void call.once("drain", pump);
      }
      call.end();
    };
    call.on("error", () => undefined);
    pump();
  });
  t.is(refused.code, status.INVALID_ARGUMENT, refused.message);
  t.regex(refused.message, /the bundle is more than the controller accepts \(2 MiB, its --max-bundle-size\)/);
  t.true(sent < 100 * 1024 * 1024, `the client sent ${sent} bytes before the refusal`);
});
