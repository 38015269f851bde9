/**
 * A qemu build through the farm, end to end: a real nats-server, a controller, an agent that only
 * takes null jobs and one with QEMU (TCG here), and the real `kiln` CLI as the client. The qemu
 * build makes a `use_backing_file` overlay on the cached Debian base image; the agent flattens it
 * before upload, the client downloads it, and the test boots the DOWNLOADED image and reads the
 * provisioner's marker over SSH. Cancelling mid-provisioning leaves no QEMU and no job folder.
 * Slow (two or three TCG boots), so generous timeouts.
 */
import test from "ava";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { startController, type RunningController } from "../../controller/index.js";
import { decodeJobRecord, jobKey, type JobRecord } from "../../shared/bus/index.js";
import { baseImage } from "../fixtures/base-image.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { qemuBuilder, qemuProcessesUsing, sshExec } from "../agent/builders/qemu-harness.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kiln = join(repo, "bin/kiln.js");
const TOKEN = "farm-qemu-token";
const MARKER = "made-on-the-farm";

interface Farm {
  nats: NatsServerFixture;
  controller: RunningController;
  nullAgent: AgentHandle;
  qemuAgent: AgentHandle;
}

let farm: Farm | undefined;
let base = "";
const cleanups: (() => void)[] = [];

test.before(async () => {
  base = await baseImage();
  const nats = await startNatsServer();
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, sweepIntervalMs: 200 });
  // Agents get their own work folders (removed when they stop): QEMU's disks live under them.
  const nullAgent = await startAgent({ nats: { url: nats.url }, name: "agent-null", builders: ["null"], pullExpiresMs: 1000 });
  const qemuAgent = await startAgent({ nats: { url: nats.url }, name: "agent-qemu", builders: ["qemu"], pullExpiresMs: 1000, ackWaitMs: 30_000 });
  farm = { nats, controller, nullAgent, qemuAgent };
});

test.after.always(async () => {
  for (const c of cleanups.reverse()) c();
  if (!farm) return;
  await farm.qemuAgent.stop();
  await farm.nullAgent.stop();
  await farm.controller.stop();
  await farm.nats.stop();
});

function theFarm(): Farm {
  if (!farm) throw new Error("the farm did not start");
  return farm;
}

function workspace(template: unknown): string {
  const dir = tempDirSync("kiln-farm-qemu-");
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "template.json"), JSON.stringify(template, null, 2));
  return dir;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI as a child (the farm lives in this process, so never block its event loop). */
function kilnChild(cwd: string, args: string[]): { child: ChildProcess; done: Promise<Run>; output: () => Run } {
  const child = spawn(process.execPath, [kiln, ...args], {
    cwd,
    env: { ...process.env, KILN_CONTROLLER: theFarm().controller.address, KILN_TOKEN: TOKEN },
  });
  cleanups.push(() => child.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  // A hung client fails its test with what it printed instead of stalling the file.
  const timer = setTimeout(() => {
    stderr += "\n[test: killed after 12 min]";
    child.kill("SIGKILL");
  }, 12 * 60_000);
  const done = new Promise<Run>((r) =>
    child.on("close", (status) => {
      clearTimeout(timer);
      r({ status, stdout, stderr });
    }),
  );
  return { child, done, output: () => ({ status: child.exitCode, stdout, stderr }) };
}

async function jobRecord(buildId: string, index: number): Promise<JobRecord> {
  const entry = await theFarm().controller.bus.builds.get(jobKey(buildId, index));
  if (!entry?.value.length) throw new Error(`no record for job ${index} of build ${buildId}`);
  return decodeJobRecord(entry.value, "kv");
}

function buildIdOf(stderr: string): string {
  const id = /build (\S+) submitted/.exec(stderr)?.[1];
  if (!id) throw new Error(`the client printed no build id:\n${stderr}`);
  return id;
}

/** Job folders an agent still holds (it removes each when its job ends). */
function jobFolders(agent: AgentHandle): string[] {
  const root = join(agent.workDir, "jobs");
  return existsSync(root) ? readdirSync(root) : [];
}

/** A loopback port free right now (for the test's own boot of the downloaded image). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

async function waitUntil(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const vmBuilder = (over: Record<string, unknown> = {}): Record<string, unknown> =>
  qemuBuilder(base, { name: "vm", use_backing_file: true, host_port_min: 25000, host_port_max: 25499, ...over });

test.serial("a qemu overlay built on the qemu agent comes back flattened, boots on the client and carries the provisioned marker; the null job runs on the null agent", async (t) => {
  t.timeout(15 * 60_000); // a TCG build, upload, download and boot, on a busy machine
  const { nullAgent, qemuAgent } = theFarm();
  const dir = workspace({
    builders: [vmBuilder(), { type: "null", name: "side", communicator: "none" }],
    provisioners: [
      { type: "shell", only: ["vm"], inline: [`echo ${MARKER} > /etc/kiln-farm-marker`, "sync"] },
      { type: "shell-local", only: ["side"], inline: ["echo side ran"] },
    ],
  });
  const started = Date.now();
  const run = await kilnChild(dir, ["build", "-color=false", "template.json"]).done;
  t.log(`farm build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const all = `${run.stdout}\n${run.stderr}`;
  t.is(run.status, 0, all);

  // Each job landed on the agent that can run it: the client said so, the records agree.
  t.regex(run.stderr, /vm: running on agent agent-qemu/);
  t.regex(run.stderr, /side: running on agent agent-null/);
  const id = buildIdOf(run.stderr);
  const records = [await jobRecord(id, 0), await jobRecord(id, 1)];
  const byName = Object.fromEntries(records.map((r) => [r.name, r]));
  t.is(byName.vm?.agent, qemuAgent.name);
  t.is(byName.side?.agent, nullAgent.name);
  t.is(byName.vm?.state, "succeeded");
  t.is(byName.side?.state, "succeeded");
  const builds = await kilnChild(dir, ["builds"]).done;
  t.regex(builds.stdout, new RegExp(`^${id}\\s+template\\.json\\s+succeeded\\s+2/2\\s`, "m"), builds.stdout + builds.stderr);

  // The agent said it flattened the overlay, and the artifact says so.
  t.regex(run.stdout, new RegExp(`==> vm: Flattening overlay out/built\\.qcow2 \\(backing file ${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\) into a self-contained qcow2 for upload`));
  t.regex(run.stdout, /--> vm: VM files in directory: out \(overlay flattened into a self-contained image for upload\)/);

  // The downloaded disk stands alone.
  const disk = join(dir, "out/built.qcow2");
  t.true(existsSync(disk), all);
  const info = JSON.parse(spawnSync("qemu-img", ["info", "--output=json", disk], { encoding: "utf8" }).stdout) as { format: string; "backing-filename"?: string };
  t.is(info.format, "qcow2");
  t.is(info["backing-filename"], undefined);
  t.is(spawnSync("qemu-img", ["check", disk]).status, 0);

  // The agent kept nothing: no QEMU, no job folder.
  t.deepEqual(qemuProcessesUsing(qemuAgent.workDir), []);
  await waitUntil("the qemu agent to remove its job folder", () => jobFolders(qemuAgent).length === 0, 10_000);

  // Boot the DOWNLOADED image (-snapshot: reading it leaves it as it is) and read the marker.
  const port = await freePort();
  const vm = spawn("qemu-system-x86_64", [
    "-machine", "type=pc,accel=tcg", "-m", "512M", "-display", "none", "-snapshot",
    "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`, "-device", "virtio-net,netdev=n0",
    "-drive", `file=${disk},if=virtio,format=qcow2`,
  ], { stdio: "ignore" });
  cleanups.push(() => vm.kill("SIGKILL"));
  try {
    t.is(await sshExec(port, "cat /etc/kiln-farm-marker", 6 * 60_000), `${MARKER}\n`);
  } finally {
    vm.kill("SIGKILL");
  }
});

test.serial("Ctrl-C on the client mid-provisioning of a qemu job: the agent kills QEMU and leaves no job folder, the job is recorded cancelled", async (t) => {
  t.timeout(12 * 60_000);
  const { qemuAgent } = theFarm();
  const dir = workspace({
    builders: [vmBuilder()],
    provisioners: [{ type: "shell", inline: ["echo provisioning-started", "sleep 600"] }],
  });
  const client = kilnChild(dir, ["build", "-color=false", "template.json"]);
  await waitUntil("the provisioner to start on the farm", () => client.output().stdout.includes("provisioning-started") || client.child.exitCode !== null, 8 * 60_000);
  const before = client.output();
  t.true(before.stdout.includes("provisioning-started"), `${before.stdout}\n${before.stderr}`);
  t.is(qemuProcessesUsing(qemuAgent.workDir).length, 1, "QEMU runs on the agent before the cancel");
  t.is(jobFolders(qemuAgent).length, 1);

  client.child.kill("SIGINT");
  const run = await client.done;
  t.is(run.status, 1, `${run.stdout}\n${run.stderr}`);
  t.regex(run.stdout, /Build 'vm' errored after .*: Build was cancelled\./);
  t.regex(run.stdout, /Cleanly cancelled builds after being interrupted\./);
  t.is((await jobRecord(buildIdOf(run.stderr), 0)).state, "cancelled");
  t.deepEqual(qemuProcessesUsing(qemuAgent.workDir), []);
  await waitUntil("the qemu agent to remove its job folder", () => jobFolders(qemuAgent).length === 0, 10_000);
  t.false(existsSync(join(dir, "out")));
});

test.serial("jobs on one agent share its download cache: an ISO two builds name is fetched once", async (t) => {
  t.timeout(5 * 60_000);
  const iso = randomBytes(256 * 1024);
  let requests = 0;
  const mirror = createHttpServer((_req, res) => {
    requests++;
    res.end(iso);
  });
  await new Promise<void>((r) => mirror.listen(0, "127.0.0.1", r));
  t.teardown(() => void mirror.close());
  const url = `http://127.0.0.1:${(mirror.address() as { port: number }).port}/installer.iso`;
  const builder = (name: string): Record<string, unknown> => ({
    type: "qemu", name, iso_url: url, iso_checksum: `sha256:${createHash("sha256").update(iso).digest("hex")}`,
    // The build stops right after the download: `false` is a QEMU that exits at once.
    qemu_binary: "false", communicator: "none", output_directory: `out-${name}`,
  });
  const dir = workspace({ builders: [builder("one"), builder("two")] });
  const run = await kilnChild(dir, ["build", "-color=false", "template.json"]).done;
  t.not(run.status, 0, run.stdout);
  t.regex(run.stdout, /one: .*exited at start/);
  t.regex(run.stdout, /two: .*exited at start/);
  t.is(requests, 1, run.stdout);
  const cached = readdirSync(join(theFarm().qemuAgent.workDir, "download-cache"));
  t.true(cached.some((n) => n.endsWith(".iso")), cached.join(", "));
});
