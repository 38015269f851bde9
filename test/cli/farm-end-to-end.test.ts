/**
 * The farm from the client's side: a real nats-server, a controller and three agents with
 * different builder types, and the real `kiln` CLI (a child process) talking to them. The farm
 * build's exit code, output and files are compared with a local `kiln build` of the same template.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { startController, type RunningController } from "../../controller/index.js";
import { startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { decodeJobRecord, jobKey } from "../../shared/bus/index.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { KILN_BIN, runKilnCli, type KilnRun as Run } from "../fixtures/kiln-cli.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const TOKEN = "farm-test-token";

interface Farm {
  nats: NatsServerFixture;
  controller: RunningController;
  agents: AgentHandle[];
}

/** One farm for every test in this file (they use separate builds). */
let farm: Farm | undefined;
test.before(async () => {
  const nats = await startNatsServer();
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, sweepIntervalMs: 200 });
  const agents = [
    await startAgent({ nats: { url: nats.url }, name: "agent-null", builders: ["null"], pullExpiresMs: 1000 }),
    await startAgent({ nats: { url: nats.url }, name: "agent-file", builders: ["file"], pullExpiresMs: 1000 }),
    await startAgent({ nats: { url: nats.url }, name: "agent-both", builders: ["null", "file"], pullExpiresMs: 1000 }),
  ];
  farm = { nats, controller, agents };
});
test.after.always(async () => {
  if (!farm) return;
  for (const a of farm.agents) await a.stop();
  await farm.controller.stop();
  await farm.nats.stop();
});

function theFarm(): Farm {
  if (!farm) throw new Error("the farm did not start");
  return farm;
}


/** Runs the real CLI without blocking this process's event loop (the farm lives in it). */
function kilnRun(cwd: string, args: string[], env: Record<string, string> = {}, onStdout?: (all: string) => void): Promise<Run> {
  return runKilnCli(args, { cwd, env: { KILN_CONTROLLER: "", KILN_TOKEN: "", ...env }, onStdout });
}

/** The job records of a build, for failure messages. */
async function jobRecords(stderr: string): Promise<string> {
  const id = /build (\S+) submitted/.exec(stderr)?.[1];
  if (!id) return "(no build id)";
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const e = await theFarm().controller.bus.builds.get(jobKey(id, i));
    if (e?.value?.length) out.push(new TextDecoder().decode(e.value));
  }
  return out.join("\n");
}

const template = {
  variables: { who: "farm" },
  builders: [
    { type: "file", name: "greeting", content: "hello {{user `who`}}\n", target: "out/greeting.txt" },
    { type: "null", name: "local", communicator: "none" },
    { type: "file", name: "notes", source: "notes/input.txt", target: "notes.txt" },
  ],
  provisioners: [{ type: "shell-local", only: ["local"], inline: ["echo provisioned {{build_name}}"] }],
  "post-processors": [[{ type: "checksum", only: ["greeting"], checksum_types: ["sha256"], output: "{{.BuildName}}.sha256" }]],
};

function workspace(t: unknown = template): string {
  const dir = tempDirSync("kiln-farm-client-");
  writeFileSync(join(dir, "template.json"), JSON.stringify(t, null, 2));
  // Not named by the template: stays on the client.
  writeFileSync(join(dir, "unrelated.txt"), "not sent\n");
  return dir;
}

function withNotes(dir: string): string {
  mkdirSync(join(dir, "notes"));
  writeFileSync(join(dir, "notes", "input.txt"), "notes from the client\n");
  return dir;
}

/** Every regular file under dir, relative, with its content. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string): void => {
    for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else out[rel] = readFileSync(join(dir, rel), "utf8");
    }
  };
  walk("");
  return out;
}

/** Output with the parts that differ from run to run (durations) and interleaving (line order) removed. */
function normalised(stdout: string): string[] {
  return stdout
    .replace(/after (\d+ \w+)( \d+ \w+)?/g, "after DURATION")
    // Inline scripts live in the build's scratch folder (random, and on an agent in its job folder).
    .replace(/\S*\/packer-shell\d+/g, "SCRATCH/packer-shellN")
    .split("\n")
    .sort();
}

test.serial("a template with three builders runs on the agents that can run each; output, exit code and files equal a local build's", async (t) => {
  const { controller, agents } = theFarm();
  const farmDir = withNotes(workspace());
  const localDir = withNotes(workspace());

  const remote = await kilnRun(farmDir, ["build", "-color=false", "template.json"], { KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN });
  const local = await kilnRun(localDir, ["build", "-color=false", "template.json"]);
  t.is(remote.status, 0, `${remote.stdout}${remote.stderr}\n${await jobRecords(remote.stderr)}`);
  t.is(local.status, 0, local.stdout + local.stderr);

  // Same lines (builds run in parallel, so compare them as a set), same summary in the same order.
  t.deepEqual(normalised(remote.stdout), normalised(local.stdout));
  const summary = (s: string): string => s.slice(s.indexOf("==> Wait completed")).replace(/after .*/, "");
  t.is(summary(remote.stdout), summary(local.stdout));
  t.regex(remote.stdout, /==> Builds finished\. The artifacts of successful builds are:\n--> greeting: Stored file: out\/greeting\.txt/);

  // Artifact files arrive where a local build leaves them, with the same contents.
  const remoteFiles = files(farmDir);
  const localFiles = files(localDir);
  for (const f of ["out/greeting.txt", "greeting.sha256", "notes.txt"]) t.is(remoteFiles[f], localFiles[f], f);
  t.is(remoteFiles["out/greeting.txt"], "hello farm\n");
  t.deepEqual(Object.keys(remoteFiles).sort(), Object.keys(localFiles).sort());

  // Each job ran on an agent that takes its builder type.
  const buildId = /build (\S+) submitted/.exec(remote.stderr)?.[1] ?? "";
  t.not(buildId, "", remote.stderr);
  const byName = new Map(agents.map((a) => [a.name, a.builderTypes]));
  const kv = theFarm().controller.bus.builds;
  const ran: Record<string, string> = {};
  for (let i = 0; i < 3; i++) {
    const entry = await kv.get(jobKey(buildId, i));
    const record = decodeJobRecord(entry!.value, "kv");
    t.is(record.state, "succeeded");
    t.true(byName.get(record.agent ?? "")?.includes(record.builderType) ?? false, `${record.name} (${record.builderType}) ran on ${record.agent}`);
    ran[record.name] = record.agent ?? "";
  }
  t.deepEqual(Object.keys(ran).sort(), ["greeting", "local", "notes"]);
});

test.serial("a failing build: same exit code and error summary as locally", async (t) => {
  const failing = { builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["echo about to fail", "exit 3"] }] };
  const farmDir = workspace(failing);
  const localDir = workspace(failing);
  const remote = await kilnRun(farmDir, ["build", "-color=false", "--controller", theFarm().controller.address, "--token", TOKEN, "template.json"]);
  const local = await kilnRun(localDir, ["build", "-color=false", "template.json"]);
  t.is(remote.status, 1, `${remote.stdout}${remote.stderr}\n${await jobRecords(remote.stderr)}`);
  t.is(local.status, 1);
  t.deepEqual(normalised(remote.stdout), normalised(local.stdout));
  t.regex(remote.stdout, /Build 'null' errored after .*: .*exit status: 3/);
});

test.serial("submit returns the id at once; logs replays; artifacts --download fetches verified files; builds and agents list them", async (t) => {
  const { controller } = theFarm();
  const dir = withNotes(workspace());
  const env = { KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN };
  const submitted = await kilnRun(dir, ["submit", "-machine-readable", "template.json"], env);
  t.is(submitted.status, 0, submitted.stderr);
  const m = /^\d+,,build-id,(\S+)$/m.exec(submitted.stdout);
  t.truthy(m, submitted.stdout);
  const id = m?.[1] ?? "";

  const logs = await kilnRun(dir, ["logs", "-color=false", id, "-f"], env);
  t.is(logs.status, 0, logs.stderr);
  t.regex(logs.stdout, /Build 'greeting' finished after/);
  t.regex(logs.stdout, /Build 'local' finished after/);
  t.regex(logs.stdout, /    local: provisioned local/);

  // Replaying again gives the same lines: the stream is kept.
  const again = await kilnRun(dir, ["logs", "-color=false", id], env);
  t.deepEqual(normalised(again.stdout), normalised(logs.stdout));

  const target = join(dir, "fetched");
  const arts = await kilnRun(dir, ["artifacts", id, "--download", "fetched"], env);
  t.is(arts.status, 0, arts.stderr);
  t.regex(arts.stdout, /greeting \(succeeded\)\n  --> Stored file: out\/greeting\.txt \[packer\.file\]\n      out\/greeting\.txt  11 bytes  sha256:[0-9a-f]{64}/);
  t.is(readFileSync(join(target, "out/greeting.txt"), "utf8"), "hello farm\n");
  t.is(readFileSync(join(target, "notes.txt"), "utf8"), "notes from the client\n");
  t.false(existsSync(join(target, "unrelated.txt")));

  const builds = await kilnRun(dir, ["builds"], env);
  t.is(builds.status, 0, builds.stderr);
  t.regex(builds.stdout, /^ID\s+TEMPLATE\s+STATE\s+JOBS\s+SUBMITTED$/m);
  t.regex(builds.stdout, new RegExp(`^${id}\\s+template\\.json\\s+succeeded\\s+3/3\\s+\\S+$`, "m"));

  const agents = await kilnRun(dir, ["agents"], env);
  t.is(agents.status, 0, agents.stderr);
  t.regex(agents.stdout, /^agent-both\s+\S+\s+\d\/1\s+file,null\s/m);
  t.regex(agents.stdout, /^agent-file\s+\S+\s+\d\/1\s+file\s/m);
  t.regex(agents.stdout, /^agent-null\s+\S+\s+\d\/1\s+null\s/m);
});

test.serial("cancel stops a running farm build; the watching client reports it like a cancelled local build", async (t) => {
  const { controller } = theFarm();
  const slow = { builders: [{ type: "null", name: "slow", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["sleep 60"] }] };
  const dir = workspace(slow);
  const env = { KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN };
  const submitted = await kilnRun(dir, ["submit", "template.json"], env);
  const id = submitted.stdout.trim();
  const watching = kilnRun(dir, ["logs", "-color=false", "-f", id], env);
  // Wait until the job runs, then cancel it from another client.
  for (let i = 0; i < 100; i++) {
    const b = await kilnRun(dir, ["builds"], env);
    if (new RegExp(`^${id}\\s+\\S+\\s+running`, "m").test(b.stdout)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const cancelled = await kilnRun(dir, ["cancel", id], env);
  t.is(cancelled.status, 0, cancelled.stderr);
  t.regex(cancelled.stdout, new RegExp(`Cancel requested for build ${id}`));
  const logs = await watching;
  t.is(logs.status, 0, logs.stderr);
  t.regex(logs.stdout, /Build 'slow' errored after .*: Build was cancelled\./);
});

test.serial("without the token, or with a wrong one, the controller gives nothing and the client says what to check", async (t) => {
  const dir = workspace();
  const missing = await kilnRun(dir, ["builds", "--controller", theFarm().controller.address]);
  t.is(missing.status, 1);
  t.regex(missing.stderr, /the controller refused the token: check --token\/KILN_TOKEN/);
  const wrong = await kilnRun(dir, ["build", "template.json"], { KILN_CONTROLLER: theFarm().controller.address, KILN_TOKEN: "nope" });
  t.is(wrong.status, 1);
  t.regex(wrong.stderr, /the controller refused the token/);
  t.false(existsSync(join(dir, "out")));
});

test.serial("an unreachable controller is a clear error", async (t) => {
  const dir = workspace();
  const r = await kilnRun(dir, ["agents", "--controller", "127.0.0.1:1"]);
  t.is(r.status, 1);
  t.regex(r.stderr, /cannot reach the controller at 127\.0\.0\.1:1 .*is `kiln controller` running there\?/);
});

test.serial("a template reading a file outside its folder is refused before anything is sent", async (t) => {
  const dir = workspace({ builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", script: "../elsewhere.sh" }] });
  writeFileSync(join(dir, "..", "elsewhere.sh"), "echo hi\n");
  t.teardown(() => rmSync(join(dir, "..", "elsewhere.sh"), { force: true }));
  const r = await kilnRun(dir, ["build", "template.json"], { KILN_CONTROLLER: theFarm().controller.address, KILN_TOKEN: TOKEN });
  t.is(r.status, 1);
  t.regex(r.stdout, /a farm build can only use files under its template's folder/);
  t.regex(r.stdout, /null: .*elsewhere\.sh/);
});

// The agent ships each manifest a job wrote (agent/farm/manifest-artifacts.ts); the client merges
// them (cli/farm-client/manifest-merge.ts).
test.serial("the manifest the client receives lists every build of the template, as a local build's", async (t) => {
  const withManifest = { ...template, "post-processors": [[{ type: "manifest" }]] };
  const dir = withNotes(workspace(withManifest));
  const r = await kilnRun(dir, ["build", "-color=false", "template.json"], { KILN_CONTROLLER: theFarm().controller.address, KILN_TOKEN: TOKEN });
  t.is(r.status, 0, r.stdout + r.stderr);
  const manifest = JSON.parse(readFileSync(join(dir, "packer-manifest.json"), "utf8")) as { builds: { name: string; builder_type: string }[] };
  t.deepEqual(manifest.builds.map((b) => [b.name, b.builder_type]).sort(), [["greeting", "file"], ["local", "null"], ["notes", "file"]]);
});

// The folder a manifest or checksum goes into may exist only where the build ran (a shell-local
// provisioner made it on the agent): the client makes it, as the local build had it.
test.serial("a manifest and checksum files into folders only the agents made arrive where a local build leaves them", async (t) => {
  const nested = {
    builders: [
      { type: "null", name: "first", communicator: "none" },
      { type: "null", name: "second", communicator: "none" },
      { type: "file", name: "greeting", content: "hello\n", target: "greeting.txt" },
    ],
    provisioners: [{ type: "shell-local", only: ["first", "second"], inline: ["mkdir -p out"] }],
    "post-processors": [
      [{ type: "manifest", only: ["first", "second"], output: "out/manifest.json" }],
      [{ type: "checksum", only: ["greeting"], checksum_types: ["sha256"], output: "sums/deep/{{.BuildName}}.sha256" }],
    ],
  };
  const farmDir = workspace(nested);
  const localDir = workspace(nested);
  const remote = await kilnRun(farmDir, ["build", "-color=false", "template.json"], { KILN_CONTROLLER: theFarm().controller.address, KILN_TOKEN: TOKEN });
  const local = await kilnRun(localDir, ["build", "-color=false", "template.json"]);
  t.is(local.status, 0, local.stdout + local.stderr);
  t.is(remote.status, 0, `${remote.stdout}${remote.stderr}\n${await jobRecords(remote.stderr)}`);
  const manifest = JSON.parse(readFileSync(join(farmDir, "out/manifest.json"), "utf8")) as { builds: { name: string }[] };
  t.deepEqual(manifest.builds.map((b) => b.name).sort(), ["first", "second"]);
  const remoteFiles = files(farmDir);
  t.deepEqual(Object.keys(remoteFiles).sort(), Object.keys(files(localDir)).sort());
  t.is(remoteFiles["sums/deep/greeting.sha256"], files(localDir)["sums/deep/greeting.sha256"]);
});

test.serial("{{env}} in variable defaults reads the client's environment, as Packer reads the environment it runs in", async (t) => {
  const fromEnv = {
    variables: { who: "{{env `KILN_TEST_WHO`}}", unset: "{{env `KILN_TEST_NOT_SET`}}" },
    builders: [{ type: "file", name: "greeting", content: "hello {{user `who`}}[{{user `unset`}}]\n", target: "out/greeting.txt" }],
  };
  const dir = workspace(fromEnv);
  const r = await kilnRun(dir, ["build", "-color=false", "template.json"], { KILN_CONTROLLER: theFarm().controller.address, KILN_TOKEN: TOKEN, KILN_TEST_WHO: "from the client" });
  t.is(r.status, 0, r.stdout + r.stderr);
  t.is(readFileSync(join(dir, "out/greeting.txt"), "utf8"), "hello from the client[]\n");
});

test.serial("kiln logs -f rides out a controller restart: every line once, none missing", async (t) => {
  const f = theFarm();
  const dir = workspace({ builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["echo line-one", "sleep 3", "echo line-two"] }] });
  const env = { KILN_CONTROLLER: f.controller.address, KILN_TOKEN: TOKEN };
  const id = (await kilnRun(dir, ["submit", "template.json"], env)).stdout.trim();
  let sawFirstLine!: () => void;
  const firstLine = new Promise<void>((r) => (sawFirstLine = r));
  const watching = kilnRun(dir, ["logs", "-color=false", "-f", id], env, (out) => {
    if (out.includes("line-one")) sawFirstLine();
  });
  // Restart while the watch is mid-stream: after the first line, before the second.
  await firstLine;
  const port = f.controller.port;
  await f.controller.stop();
  await new Promise((r) => setTimeout(r, 500));
  f.controller = await startController({ listen: `127.0.0.1:${port}`, nats: { url: f.nats.url }, token: TOKEN, sweepIntervalMs: 200 });
  const logs = await watching;
  t.is(logs.status, 0, logs.stderr);
  t.regex(logs.stderr, /lost the controller .*reconnecting/);
  const count = (s: string): number => logs.stdout.split("\n").filter((l) => l === s).length;
  t.is(count("    null: line-one"), 1, logs.stdout);
  t.is(count("    null: line-two"), 1, logs.stdout);
  t.is(logs.stdout.split("\n").filter((l) => l.startsWith("Build 'null' finished after")).length, 1, logs.stdout);
});

test.serial("kill -9 of nats-server mid-build, restarted on the same store: kiln build --controller and kiln logs -f finish, every line once", async (t) => {
  t.timeout(120_000);
  const f = theFarm();
  const dir = workspace({ builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["echo nats-one", "sleep 4", "echo nats-two"] }] });
  const env = { KILN_CONTROLLER: f.controller.address, KILN_TOKEN: TOKEN };
  let sawFirstLine!: () => void;
  const firstLine = new Promise<void>((r) => (sawFirstLine = r));
  const building = kilnRun(dir, ["build", "-color=false", "template.json"], env, (out) => {
    if (out.includes("nats-one")) sawFirstLine();
  });
  // A build that ends before its first line fails here with what it printed, instead of hanging.
  const early = await Promise.race([firstLine.then(() => undefined), building]);
  if (early) return t.fail(`the build ended before its first line: ${early.stdout}${early.stderr}`);
  const id = await waitForBuildId(f);
  const following = kilnRun(dir, ["logs", "-color=false", "-f", id], env);
  await f.nats.restart({ crash: true });
  const [build, logs] = await Promise.all([building, following]);
  for (const r of [build, logs]) {
    t.is(r.status, 0, r.stdout + r.stderr);
    const count = (s: string): number => r.stdout.split("\n").filter((l) => l === s).length;
    t.is(count("    null: nats-one"), 1, r.stdout);
    t.is(count("    null: nats-two"), 1, r.stdout);
  }
});

/** The newest build's id (the one a running `kiln build --controller` submitted). */
async function waitForBuildId(f: Farm): Promise<string> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const ids: string[] = [];
    for await (const key of await f.controller.bus.builds.keys("build.*")) ids.push(key.slice("build.".length));
    if (ids.length > 0) return ids.sort().at(-1)!;
  }
  throw new Error("no build submitted within 10 s");
}

test.serial("Ctrl-C during kiln build --controller cancels the build on its agent and waits for it, as a local build does", async (t) => {
  const f = theFarm();
  const dir = workspace({ builders: [{ type: "null", name: "slow", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["sleep 60"] }] });
  const child = spawn(process.execPath, [KILN_BIN, "build", "-color=false", "template.json"], { cwd: dir, env: { ...process.env, KILN_CONTROLLER: f.controller.address, KILN_TOKEN: TOKEN } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  let interrupted = false;
  // Once, when the job runs on its agent (a second Ctrl-C would mean "stop now").
  const interruptWhenRunning = (): void => {
    if (interrupted || !/slow: running on agent/.test(stderr) || !/Running local shell script/.test(stdout)) return;
    interrupted = true;
    child.kill("SIGINT");
  };
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    interruptWhenRunning();
  });
  child.stdout.on("data", interruptWhenRunning);
  const status = await new Promise<number | null>((r) => child.on("close", r));
  t.is(status, 1, stdout + stderr);
  t.regex(stdout, /==> Interrupt received\. Cancelling every build/);
  t.regex(stdout, /Build 'slow' errored after .*: Build was cancelled\./);
  t.regex(stdout, /Cleanly cancelled builds after being interrupted\./);
  const id = /build (\S+) submitted/.exec(stderr)?.[1] ?? "";
  const record = decodeJobRecord((await f.controller.bus.builds.get(jobKey(id, 0)))!.value, "kv");
  t.is(record.state, "cancelled");
});

test.serial("var-file values reach the build but never a bundle: not in the object store, not in an agent's bundle cache", async (t) => {
  const { controller, agents } = theFarm();
  const secret = `s3cret-${Date.now()}`;
  const secretTemplate = {
    variables: { password: "", greeting: "" },
    "sensitive-variables": ["password"],
    builders: [{ type: "file", name: "secret", content: "{{user `greeting`}} {{user `password`}}\n", target: "out/secret.txt" }],
  };
  const dir = workspace(secretTemplate);
  writeFileSync(join(dir, "inside.json"), JSON.stringify({ greeting: "hi", password: "overridden" }));
  const elsewhere = tempDirSync("kiln-var-files-");
  t.teardown(() => rmSync(elsewhere, { recursive: true, force: true }));
  writeFileSync(join(elsewhere, "outside.json"), JSON.stringify({ password: secret }));
  const remote = await kilnRun(
    dir,
    ["build", "-color=false", "-var-file=inside.json", `-var-file=${join(elsewhere, "outside.json")}`, "template.json"],
    { KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN },
  );
  t.is(remote.status, 0, `${remote.stdout}${remote.stderr}\n${await jobRecords(remote.stderr)}`);
  // The later var-file wins, as in Packer; the value reached the build.
  t.is(readFileSync(join(dir, "out/secret.txt"), "utf8"), `hi ${secret}\n`);
  t.false(remote.stdout.includes(secret), "the sensitive value is scrubbed from the output");

  const bundles = await controller.bus.bundles.list();
  t.true(bundles.length > 0);
  for (const info of bundles) {
    const tar = gunzipSync(Buffer.from((await controller.bus.bundles.getBlob(info.name))!));
    t.false(tar.includes(secret), `bundle ${info.name} holds no var-file value`);
    t.false(tar.includes("overridden"), `bundle ${info.name} holds no var-file`);
  }
  for (const agent of agents) {
    const cache = join(agent.workDir, "bundle-cache");
    if (!existsSync(cache)) continue;
    t.is(statSync(cache).mode & 0o777, 0o700, `${cache} is the agent's own`);
    for (const name of readdirSync(cache)) t.is(statSync(join(cache, name)).mode & 0o777, 0o600, `${name} is readable by the agent only`);
  }
});
