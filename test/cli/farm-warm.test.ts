/**
 * `kiln build --controller ADDR -warm` on a farm: a real nats-server, a controller, one qemu agent
 * with two slots (QEMU under TCG), the real `kiln` CLI as the client, the cached Debian base image.
 * The first -warm build boots cold and saves the guest in the agent's own cache folder (outside
 * the job folders it removes); a second -warm build with two builds at once restores that one
 * snapshot in both (each on its own overlay, the snapshot left as it was); its downloaded output
 * boots and carries the provisioned file. Three TCG boots in all: the capture, the check, and no
 * boot for the two restores.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { startController, type RunningController } from "../../controller/index.js";
import { baseImage } from "../fixtures/base-image.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { bootOutputImage, qemuBuilder, qemuProcessesUsing, sshExec } from "../agent/builders/qemu-harness.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kiln = join(repo, "bin/kiln.js");
const TOKEN = "farm-warm-token";

interface Farm {
  nats: NatsServerFixture;
  controller: RunningController;
  agent: AgentHandle;
}

let farm: Farm | undefined;
let base = "";
const cleanups: (() => void)[] = [];

test.before(async () => {
  base = await baseImage();
  const nats = await startNatsServer();
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, sweepIntervalMs: 200 });
  // Its own work folder (removed when it stops): the warm store lives in its download cache there.
  const agent = await startAgent({ nats: { url: nats.url }, name: "agent-warm", builders: ["qemu"], slots: 2, pullExpiresMs: 1000, ackWaitMs: 30_000 });
  farm = { nats, controller, agent };
});

test.after.always(async () => {
  for (const c of cleanups.reverse()) c();
  if (!farm) return;
  await farm.agent.stop();
  await farm.controller.stop();
  await farm.nats.stop();
});

function theFarm(): Farm {
  if (!farm) throw new Error("the farm did not start");
  return farm;
}

function workspace(template: unknown): string {
  const dir = tempDirSync("kiln-farm-warm-");
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "template.json"), JSON.stringify(template, null, 2));
  return dir;
}

/** `kiln build --controller ADDR -warm` as a child (the farm lives in this process), killed at its deadline. */
function farmBuild(cwd: string, deadlineMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [kiln, "build", "-color=false", "--controller", theFarm().controller.address, "-warm", "template.json"], {
    cwd,
    env: { ...process.env, KILN_TOKEN: TOKEN },
  });
  cleanups.push(() => child.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => {
    stderr += `\n[test: killed after ${deadlineMs / 1000} s]`;
    child.kill("SIGKILL");
  }, deadlineMs);
  return new Promise((done) =>
    child.on("close", (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    }),
  );
}

async function waitUntil(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function warmRootOf(agent: AgentHandle): string {
  return join(agent.workDir, "download-cache", "kiln-warm");
}

function snapshots(agent: AgentHandle): string[] {
  const root = warmRootOf(agent);
  return existsSync(root) ? readdirSync(root).filter((n) => /^[0-9a-f]{32}$/.test(n)) : [];
}

function jobFolders(agent: AgentHandle): string[] {
  const root = join(agent.workDir, "jobs");
  return existsSync(root) ? readdirSync(root) : [];
}

const provision = { type: "shell", inline: ["echo provisioned-by-{{build_name}} > /root/warm-marker", "sync"] };
const vm = (name: string): Record<string, unknown> => qemuBuilder(base, { name, output_directory: `out-${name}`, host_port_min: 28000, host_port_max: 28499 });

test.serial("the first -warm farm build boots cold and saves the guest in the agent's cache, outside its job folders", async (t) => {
  t.timeout(12 * 60_000);
  const { agent } = theFarm();
  const dir = workspace({ builders: [vm("cold")], provisioners: [provision] });
  const run = await farmBuild(dir, 11 * 60_000);
  const all = `${run.stdout}\n${run.stderr}`;
  t.is(run.status, 0, all);
  t.regex(run.stderr, /cold: running on agent agent-warm/);
  t.regex(run.stdout, /cold: -warm: no snapshot for this image and VM shape yet; booting cold and saving one/);
  t.regex(run.stdout, /cold: warm snapshot saved: /);
  t.notRegex(run.stdout, /restoring the warm snapshot/);

  const saved = snapshots(agent);
  t.is(saved.length, 1, readdirSync(warmRootOf(agent)).join(", "));
  const meta = JSON.parse(readFileSync(join(warmRootOf(agent), saved[0]!, "meta.json"), "utf8")) as { key: string; builder: string; stateBytes: number };
  t.is(meta.key, saved[0]);
  t.is(meta.builder, "qemu");
  t.is(statSync(join(warmRootOf(agent), saved[0]!, "state.bin")).size, meta.stateBytes);
  t.deepEqual(readdirSync(warmRootOf(agent)).filter((n) => n.startsWith(".")), [], "no staging folder left");
  await waitUntil("the agent to remove its job folder", () => jobFolders(agent).length === 0, 10_000);
  t.deepEqual(qemuProcessesUsing(agent.workDir), []);
  t.true(existsSync(join(dir, "out-cold/built.qcow2")), all);
  t.log(`capture build: ${/Build 'cold' finished after ([^.\n]*)/.exec(run.stdout)?.[1] ?? "?"}`);
});

test.serial("a second -warm farm build restores that snapshot in two builds at once; its downloaded output boots and carries the provisioned file", async (t) => {
  t.timeout(15 * 60_000);
  const { agent } = theFarm();
  const before = snapshots(agent);
  t.is(before.length, 1, "the first test saved a snapshot");
  const snapshotDir = join(warmRootOf(agent), before[0]!);
  const metaBefore = readFileSync(join(snapshotDir, "meta.json"), "utf8");
  const stateBefore = statSync(join(snapshotDir, "state.bin"));

  const dir = workspace({ builders: [vm("w1"), vm("w2")], provisioners: [provision] });
  const run = await farmBuild(dir, 11 * 60_000);
  const all = `${run.stdout}\n${run.stderr}`;
  t.is(run.status, 0, all);
  for (const name of ["w1", "w2"]) {
    t.regex(run.stderr, new RegExp(`${name}: running on agent agent-warm`));
    t.regex(run.stdout, new RegExp(`${name}: -warm: restoring the guest booted from this image \\(snapshot ${before[0]}\\)`));
    t.regex(run.stdout, new RegExp(`${name}: Starting VM, restoring the warm snapshot`));
    t.regex(run.stdout, new RegExp(`${name}: -warm: guest clock set to the host's time, random pool reseeded`));
  }
  t.notRegex(run.stdout, /no snapshot for this image/);
  for (const name of ["w1", "w2"]) t.log(`restored build ${name}: ${new RegExp(`Build '${name}' finished after ([^.\\n]*)`).exec(run.stdout)?.[1] ?? "?"}`);

  // Shared read-only: the same one snapshot, untouched.
  t.deepEqual(snapshots(agent), before);
  t.is(readFileSync(join(snapshotDir, "meta.json"), "utf8"), metaBefore);
  t.is(statSync(join(snapshotDir, "state.bin")).mtimeMs, stateBefore.mtimeMs);
  await waitUntil("the agent to remove its job folders", () => jobFolders(agent).length === 0, 10_000);
  t.deepEqual(qemuProcessesUsing(agent.workDir), []);

  // The downloaded output of a restored build stands alone, boots, and carries its marker.
  const disk = join(dir, "out-w1/built.qcow2");
  t.true(existsSync(disk), all);
  const booted = await bootOutputImage(disk);
  cleanups.push(() => booted.stop());
  try {
    t.is(await sshExec(booted.port, "cat /root/warm-marker", 6 * 60_000), "provisioned-by-w1\n");
  } finally {
    booted.stop();
  }
});
