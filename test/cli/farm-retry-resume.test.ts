/**
 * Retries, deadlines and -resume on a farm: `kiln build --controller` resolves -retry/-timeout and the
 * side file on the client, the controller checks them and puts them in each job, and the agent
 * that takes the job runs the attempts (each after the last one's cleanups). Real nats-server,
 * controller, agent and CLI.
 */
import test from "ava";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { startController, type RunningController } from "../../controller/index.js";
import { FarmClient } from "../../proto/gen/kiln/v1/farm.js";
import { credentials } from "@grpc/grpc-js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { runKilnCli } from "../fixtures/kiln-cli.js";
import { packTemplate, rpc, submitRequest } from "../controller/farm-harness.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

let farm: { nats: NatsServerFixture; controller: RunningController; agent: AgentHandle } | undefined;
test.before(async () => {
  const nats = await startNatsServer();
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, sweepIntervalMs: 200 });
  const agent = await startAgent({ nats: { url: nats.url }, name: "agent-retry", builders: ["null", "file"], pullExpiresMs: 1000 });
  farm = { nats, controller, agent };
});
test.after.always(async () => {
  await farm?.agent.stop();
  await farm?.controller.stop();
  await farm?.nats.stop();
});

function theFarm(): NonNullable<typeof farm> {
  if (!farm) throw new Error("the farm did not start");
  return farm;
}

function workspace(template: unknown, files: Record<string, string> = {}): string {
  const dir = tempDirSync("kiln-farm-retry-");
  writeFileSync(join(dir, "template.json"), JSON.stringify(template, null, 2));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Fails until it has run `passOn` times; the count lives at an absolute path (the agent runs on this machine). */
function flaky(countFile: string, passOn: number): unknown {
  return {
    builders: [{ type: "null", name: "flaky", communicator: "none" }],
    provisioners: [
      {
        type: "shell-local",
        inline: [`n=$(cat ${countFile} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${countFile}; [ $n -ge ${passOn} ] || exit 3`],
      },
    ],
  };
}

const farmBuild = (dir: string, ...args: string[]) =>
  runKilnCli(["build", "-color=false", `--controller=127.0.0.1:${theFarm().controller.port}`, ...args, "template.json"], {
    cwd: dir,
    env: { KILN_TOKEN: "" },
    killAfterMs: 120_000,
  });

test("kiln build --controller -retry=2: the agent runs attempt 2 after attempt 1 failed; the client sees both and exits 0", async (t) => {
  t.timeout(150_000);
  const dir = tempDirSync("kiln-farm-retry-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "template.json"), JSON.stringify(flaky(join(dir, "count"), 2)));
  const r = await farmBuild(dir, "-retry=2");
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /flaky: Attempt 2 of 3/);
  t.regex(r.stdout, /flaky: Build succeeded on attempt 2 of 3/);
  t.is(readFileSync(join(dir, "count"), "utf8").trim(), "2");
});

test("kiln.json on the client reaches the farm: its timeout cancels the attempt on the agent with the reason", async (t) => {
  t.timeout(150_000);
  const dir = workspace(
    { builders: [{ type: "null", name: "slow", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["sleep 600"] }] },
    { "kiln.json": JSON.stringify({ builds: { slow: { timeout: "2s" } } }) },
  );
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await farmBuild(dir);
  t.is(r.status, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /Build 'slow' exceeded its timeout of 2s and was cancelled \(its cleanups ran\)/);
});

test("the controller refuses a policy it would not accept from the CLI, and one naming no build, before anything is queued", async (t) => {
  t.timeout(60_000);
  const { controller } = theFarm();
  const client = new FarmClient(`127.0.0.1:${controller.port}`, credentials.createInsecure());
  t.teardown(() => client.close());
  const dir = tempDirSync("kiln-farm-retry-req-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = await packTemplate(dir, { "template.json": JSON.stringify({ builders: [{ type: "null", name: "one", communicator: "none" }] }) });
  const before = (await rpc.listBuilds(client)).builds.length;
  await t.throwsAsync(rpc.submitBuild(client, submitRequest(bundle, { policies: { one: { retries: 1000, retryOn: "", timeoutMs: 0, labels: [], priority: "" } } })), {
    message: /policies\["one"\]\.retries: retries must be a whole number from 0 to 100/,
  });
  await t.throwsAsync(rpc.submitBuild(client, submitRequest(bundle, { policies: { one: { retries: 1, retryOn: "(", timeoutMs: 0, labels: [], priority: "" } } })), {
    message: /policies\["one"\]\.retry_on: retry_on is not a valid regular expression/,
  });
  await t.throwsAsync(rpc.submitBuild(client, submitRequest(bundle, { policies: { two: { retries: 1, retryOn: "", timeoutMs: 0, labels: [], priority: "" } } })), {
    message: /policies: no build named "two" in this submission \(builds: one\)/,
  });
  t.is((await rpc.listBuilds(client)).builds.length, before);
});

test("kiln build --controller -resume after 2 of 4 builds failed: the controller reuses the 2 good jobs' stored artifacts, only 2 run; kiln builds -fingerprint says which", async (t) => {
  t.timeout(150_000);
  const dir = tempDirSync("kiln-farm-resume-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const template = {
    builders: ["a", "b", "c", "d"].map((name) => ({ type: "file", name, content: `content of ${name}\n`, target: `out/${name}.txt` })),
    "post-processors": [{ type: "shell-local", inline: [`echo run >> ${dir}/runs-$PACKER_BUILD_NAME`, `if [ -e ${dir}/fail-$PACKER_BUILD_NAME ]; then exit 1; fi`] }],
  };
  writeFileSync(join(dir, "template.json"), JSON.stringify(template));
  writeFileSync(join(dir, "fail-c"), "");
  writeFileSync(join(dir, "fail-d"), "");
  const first = await farmBuild(dir);
  t.is(first.status, 1, first.stdout + first.stderr);
  rmSync(join(dir, "fail-c"));
  rmSync(join(dir, "fail-d"));
  rmSync(join(dir, "out"), { recursive: true, force: true });

  const second = await farmBuild(dir, "-resume");
  t.is(second.status, 0, second.stdout + second.stderr);
  const firstId = /build (\S+) submitted/.exec(first.stderr)?.[1];
  t.truthy(firstId, first.stderr);
  t.regex(second.stdout, new RegExp(`a: reusing Stored file: out/a\\.txt from build ${firstId} \\(same fingerprint\\)`));
  t.regex(second.stdout, /b: reusing Stored file: out\/b\.txt/);
  const runs = (n: string): number => readFileSync(join(dir, `runs-${n}`), "utf8").trim().split("\n").length;
  t.deepEqual(["a", "b", "c", "d"].map(runs), [1, 1, 2, 2]);
  // The reused artifacts were downloaded like built ones.
  for (const n of ["a", "b", "c", "d"]) t.is(readFileSync(join(dir, `out/${n}.txt`), "utf8"), `content of ${n}\n`);

  const listed = await runKilnCli(["builds", `--controller=127.0.0.1:${theFarm().controller.port}`, "-fingerprint", "-limit=1"], { env: { KILN_TOKEN: "" } });
  t.is(listed.status, 0, listed.stderr);
  const reusedRows = listed.stdout.split("\n").filter((l) => l.includes(`${firstId}/`));
  t.is(reusedRows.length, 2, listed.stdout);
  t.regex(listed.stdout, /[0-9a-f]{64}/);
});
