/**
 * The whole farm under the shipped NATS permissions (deploy/nats/make-auth-conf.sh's auth.conf):
 * a real nats-server, the controller and two agents each with its own NATS user, and the real
 * `kiln` CLI building a template through them. Nothing the farm does may need a permission the
 * config does not give: the server logs no violation.
 */
import test from "ava";
import { execFile, spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startAgent } from "../../agent/farm/index.js";
import { startController } from "../../controller/index.js";
import { startNatsServer } from "../fixtures/nats-server.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const natsDir = join(repo, "deploy/nats");
const kiln = join(repo, "bin/kiln.js");
const TOKEN = "farm-auth-test-token";
const passwords = {
  KILN_NATS_CONTROLLER_PASSWORD: "controller-pw-3391",
  KILN_NATS_AGENT_PASSWORD_HOST_A: "host-a-pw-2207",
  KILN_NATS_AGENT_PASSWORD_HOST_B: "host-b-pw-9154",
  KILN_NATS_ARTIFACT_READER_PASSWORD: "reader-pw-6618",
};

function kilnBuild(cwd: string, controller: string, args: readonly string[] = ["build", "-color=false", "template.json"], env: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [kiln, ...args], {
      cwd,
      env: { ...process.env, KILN_CONTROLLER: controller, KILN_TOKEN: TOKEN, ...env },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += "\n[test: killed after 60 s]";
      child.kill("SIGKILL");
    }, 60_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      done({ status, output });
    });
  });
}

/** nats-server with the shipped permissions (users for agents host-a and host-b) and a controller under its own user. */
async function startFarmWithAuth(t: { teardown(fn: () => Promise<void>): void }, more: { webListen?: string } = {}) {
  const { stdout: authConf } = await promisify(execFile)(join(natsDir, "make-auth-conf.sh"), ["--artifact-reader", "host-a", "host-b"]);
  const nats = await startNatsServer({ config: authConf, env: passwords });
  t.teardown(() => nats.stop());
  const controller = await startController({
    listen: "127.0.0.1:0",
    nats: { url: nats.url, user: "kiln-controller", password: passwords.KILN_NATS_CONTROLLER_PASSWORD },
    token: TOKEN,
    sweepIntervalMs: 200,
    ...more,
  });
  t.teardown(() => controller.stop());
  return { nats, controller };
}

/** That farm with one agent (host-b) for file builds, and a temporary folder for the template. */
async function startFileFarmWithAuth(t: { teardown(fn: () => Promise<void> | void): void }, prefix: string) {
  const { nats, controller } = await startFarmWithAuth(t);
  const agent = await startAgent({ nats: { url: nats.url, user: "kiln-agent-host-b", password: passwords.KILN_NATS_AGENT_PASSWORD_HOST_B }, builders: ["file"], pullExpiresMs: 1000 });
  t.teardown(() => agent.stop());
  const dir = tempDirSync(prefix);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { nats, controller, dir };
}

test("a template builds on a farm whose NATS runs the shipped permissions, one user per agent, with no permission violation", async (t) => {
  t.timeout(120_000);
  // Its metrics read the build output stream, under the controller's NATS user too.
  const { nats, controller } = await startFarmWithAuth(t, { webListen: "127.0.0.1:0" });
  const hostA = await startAgent({ nats: { url: nats.url, user: "kiln-agent-host-a", password: passwords.KILN_NATS_AGENT_PASSWORD_HOST_A }, name: "host-a", builders: ["null"], pullExpiresMs: 1000 });
  t.teardown(() => hostA.stop());
  // No name given: the agent takes the one its NATS user names.
  // Labelled: it finds the queue of the build that needs site=eu (listing the jobs stream's consumers).
  const hostB = await startAgent({
    nats: { url: nats.url, user: "kiln-agent-host-b", password: passwords.KILN_NATS_AGENT_PASSWORD_HOST_B },
    builders: ["file", "null"],
    labels: { site: "eu" },
    pullExpiresMs: 1000,
    queueRefreshMs: 200,
  });
  t.teardown(() => hostB.stop());
  t.is(hostB.name, "host-b");
  // A name its user's permissions do not name is refused before it connects.
  await t.throwsAsync(
    startAgent({ nats: { url: nats.url, user: "kiln-agent-host-a", password: passwords.KILN_NATS_AGENT_PASSWORD_HOST_A }, name: "host-c", builders: ["null"] }),
    { message: 'agent name "host-c" does not match its NATS user kiln-agent-host-a, whose permissions name agent "host-a": set --name/KILN_AGENT_NAME to host-a, or use the NATS user kiln-agent-host-c' },
  );
  const dir = tempDirSync("kiln-farm-auth-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "template.json"),
    JSON.stringify({
      builders: [
        { type: "null", name: "first", communicator: "none" },
        { type: "null", name: "second", communicator: "none" },
        { type: "file", name: "greeting", content: "hello\n", target: "greeting.txt" },
      ],
      provisioners: [{ type: "shell-local", only: ["first", "second"], inline: ["mkdir -p out", "echo made out on $(hostname)"] }],
      "post-processors": [
        [{ type: "manifest", only: ["first", "second"], output: "out/manifest.json" }],
        [{ type: "checksum", only: ["greeting"], checksum_types: ["sha256"], output: "{{.BuildName}}.sha256" }],
      ],
    }),
  );
  writeFileSync(join(dir, "kiln.json"), JSON.stringify({ builds: { second: { labels: ["site=eu"], priority: "high" } } }));

  const r = await kilnBuild(dir, controller.address);
  t.is(r.status, 0, r.output);
  t.regex(r.output, /first: made out on/);
  t.is(readFileSync(join(dir, "greeting.txt"), "utf8"), "hello\n");
  t.regex(readFileSync(join(dir, "greeting.sha256"), "utf8"), /^[0-9a-f]{64}\s+greeting\.txt/);
  const manifest = JSON.parse(readFileSync(join(dir, "out/manifest.json"), "utf8")) as { builds: { name: string }[] };
  t.deepEqual(manifest.builds.map((b) => b.name).sort(), ["first", "second"]);
  t.true(hostB.queues().includes("null__L_site_eu__P_high"), "host-b found and pulled the labelled queue");
  const provisionSteps = /^kiln_step_duration_seconds_count\{builder_type="null",step="provision"\} 2$/m;
  const until = Date.now() + 15_000;
  let metrics = "";
  while (!provisionSteps.test(metrics) && Date.now() < until) {
    metrics = await (await fetch(`http://${controller.webAddress}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
    if (!provisionSteps.test(metrics)) await new Promise((r) => setTimeout(r, 200));
  }
  t.regex(metrics, provisionSteps, "both null builds' provision steps were counted from the output stream");
  t.deepEqual(nats.log().match(/.*Violation.*/g) ?? [], []);
});

test("a template too big for one NATS message builds under the shipped permissions: the agent reads its sealed spec with no permission violation", async (t) => {
  t.timeout(120_000);
  const { nats, controller, dir } = await startFileFarmWithAuth(t, "kiln-farm-auth-big-");
  const line = "a line of a big variable\n";
  const blob = line.repeat(Math.ceil((5 * 1024 * 1024) / line.length));
  writeFileSync(join(dir, "template.json"), JSON.stringify({ variables: { blob }, builders: [{ type: "file", name: "big", content: "{{user `blob`}}", target: "big.txt" }] }));

  const r = await kilnBuild(dir, controller.address);
  t.is(r.status, 0, r.output.slice(-4000));
  t.is(readFileSync(join(dir, "big.txt"), "utf8"), blob);
  t.deepEqual(nats.log().match(/.*Violation.*/g) ?? [], []);
});

test("with --nats and the artifact reader's user, artifact files come straight from the object store; without a usable one, through the controller", async (t) => {
  t.timeout(120_000);
  const { nats, controller, dir } = await startFileFarmWithAuth(t, "kiln-farm-reader-");
  // Several chunks of the store (128 KiB each) in one file.
  const content = Array.from({ length: 40_000 }, (_, i) => `line ${i} of the artifact`).join("\n");
  writeFileSync(join(dir, "template.json"), JSON.stringify({ builders: [{ type: "file", name: "big", content, target: "out/big.txt" }] }));
  const reader = { KILN_NATS_URL: nats.url, KILN_NATS_USER: "kiln-artifact-reader", KILN_NATS_PASSWORD: passwords.KILN_NATS_ARTIFACT_READER_PASSWORD };

  const built = await kilnBuild(dir, controller.address, ["build", "-color=false", "template.json"], reader);
  t.is(built.status, 0, built.output);
  t.is(readFileSync(join(dir, "out/big.txt"), "utf8"), content);
  t.notRegex(built.output, /not reading artifact files/);
  const id = /build (\S+) submitted/.exec(built.output)?.[1];
  t.truthy(id, built.output);

  const fetched = await kilnBuild(dir, controller.address, ["artifacts", "--download", "fetched", "--nats", nats.url, id!], { ...reader, KILN_NATS_URL: "" });
  t.is(fetched.status, 0, fetched.output);
  t.regex(fetched.output, /Downloaded 1 artifact file \(\d+ bytes\) into \S+fetched from the object store\./);
  t.is(readFileSync(join(dir, "fetched/out/big.txt"), "utf8"), content);
  t.deepEqual(nats.log().match(/.*Violation.*/g) ?? [], [], "the reader needed nothing its permissions lack");

  // Credentials NATS refuses: said once, and the controller serves the file.
  const refused = await kilnBuild(dir, controller.address, ["artifacts", "--download", "refused", id!], { ...reader, KILN_NATS_PASSWORD: "wrong" });
  t.is(refused.status, 0, refused.output);
  t.regex(refused.output, /kiln: not reading artifact files from the object store \(NATS refused the credentials for user kiln-artifact-reader .*\): downloading through the controller instead\./);
  t.regex(refused.output, /Downloaded 1 artifact file .* from the controller's API stream\./);
  t.is(readFileSync(join(dir, "refused/out/big.txt"), "utf8"), content);
  // A user without the permissions (an agent's): the same, and what it tried is all it got.
  const agentUser = await kilnBuild(dir, controller.address, ["artifacts", "--download", "as-agent", id!], {
    ...reader,
    KILN_NATS_USER: "kiln-agent-host-a",
    KILN_NATS_PASSWORD: passwords.KILN_NATS_AGENT_PASSWORD_HOST_A,
  });
  t.is(agentUser.status, 0, agentUser.output);
  t.regex(agentUser.output, /kiln: not reading artifact files from the object store \(.*Permissions Violation.*; a NATS user made by make-auth-conf\.sh --artifact-reader may\): downloading through the controller instead\./);
  t.is(readFileSync(join(dir, "as-agent/out/big.txt"), "utf8"), content);
});
