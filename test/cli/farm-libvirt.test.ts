/**
 * A libvirt build through the farm: a real nats-server, a controller, an agent that only runs null
 * jobs and one that runs libvirt jobs against the real libvirtd, and the real `kiln` CLI as the
 * client. Only the libvirt agent takes the libvirt job; the artifact volume stays in the agent
 * host's pool, and the client receives a self-contained copy that boots with the provisioner's
 * marker. Slow (TCG boots).
 */
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { startController, type RunningController } from "../../controller/index.js";
import { baseImage } from "../fixtures/base-image.js";
import { domainNames, ensureLibvirtd, LIBVIRT_URI, libvirtUnavailable, testPool, type TestPool } from "../fixtures/libvirtd.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { bootOutputImage, sshExec } from "../agent/builders/qemu-harness.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kiln = join(repo, "bin/kiln.js");
const TOKEN = "farm-libvirt-token";
const unavailable = libvirtUnavailable();

interface Farm {
  nats: NatsServerFixture;
  controller: RunningController;
  nullAgent: AgentHandle;
  libvirtAgent: AgentHandle;
  pool: TestPool;
}
let farm: Farm | undefined;
const cleanups: (() => unknown)[] = [];

if (unavailable) {
  test("farm libvirt tests skipped", (t) => {
    t.log(`skipped: ${unavailable}`);
    t.pass();
  });
} else {
  test.before(async () => {
    await ensureLibvirtd();
    process.env.KILN_LIBVIRT_URI = LIBVIRT_URI;
    const pool = await testPool("farm");
    const nats = await startNatsServer();
    const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, sweepIntervalMs: 200 });
    const nullAgent = await startAgent({ nats: { url: nats.url }, name: "agent-null", builders: ["null"], pullExpiresMs: 1000 });
    const libvirtAgent = await startAgent({ nats: { url: nats.url }, name: "agent-libvirt", builders: ["libvirt"], pullExpiresMs: 1000, ackWaitMs: 30_000 });
    farm = { nats, controller, nullAgent, libvirtAgent, pool };
  });

  test.after.always(async () => {
    for (const c of cleanups.reverse()) await c();
    if (!farm) return;
    await farm.libvirtAgent.stop();
    await farm.nullAgent.stop();
    await farm.controller.stop();
    await farm.nats.stop();
    await farm.pool.remove();
  });

  test.serial("the libvirt job goes to the libvirt agent; the volume stays in its pool and the client gets a disk that boots with the marker", async (t) => {
    t.timeout(15 * 60_000);
    if (!farm) throw new Error("the farm did not start");
    const { pool } = farm;
    const base = await baseImage();
    const dir = tempDirSync("kiln-farm-libvirt-");
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const domain = `kiln-farm-test-${process.pid}`;
    writeFileSync(join(dir, "template.json"), JSON.stringify({
      builders: [
        {
          type: "libvirt", name: "vm", libvirt_uri: LIBVIRT_URI, domain_type: "qemu", domain_name: domain, memory: 512,
          network_interface: [{ type: "user" }],
          communicator: { communicator: "ssh", ssh_username: "root", ssh_password: "packer", ssh_timeout: "4m" },
          volume: [{ pool: pool.name, name: "farm-built.qcow2", bus: "virtio", source: { type: "backing-store", path: base } }],
          ssh_host_port_min: 29000, ssh_host_port_max: 29499, shutdown_mode: "acpi",
        },
        { type: "null", name: "side", communicator: "none" },
      ],
      provisioners: [{ type: "shell", only: ["vm"], inline: ["echo made-by-libvirt-on-the-farm > /etc/kiln-farm-marker", "sync"] }],
    }, null, 2));
    const child = spawn(process.execPath, [kiln, "build", "-color=false", "template.json"], {
      cwd: dir,
      env: { ...process.env, KILN_CONTROLLER: farm.controller.address, KILN_TOKEN: TOKEN },
    });
    cleanups.push(() => child.kill("SIGKILL"));
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 12 * 60_000);
    const status = await new Promise<number | null>((r) => child.on("close", r));
    clearTimeout(timer);
    t.is(status, 0, out);
    t.regex(out, /vm: running on agent agent-libvirt/);
    t.regex(out, /side: running on agent agent-null/);
    t.regex(out, new RegExp(`--> vm: Libvirt volume ${pool.name}/farm-built\\.qcow2 in qcow2 format was generated`));
    t.deepEqual(await pool.volumes(), ["farm-built.qcow2"], "the artifact volume stays in the agent host's pool");
    t.false((await domainNames()).includes(domain));

    const disk = join(dir, "libvirt-artifact/farm-built.qcow2");
    t.true(existsSync(disk), out);
    const info = JSON.parse(spawnSync("qemu-img", ["info", "--output=json", disk], { encoding: "utf8" }).stdout) as { format: string; "backing-filename"?: string };
    t.is(info.format, "qcow2");
    t.is(info["backing-filename"], undefined, "the client's copy stands alone");
    const vm = await bootOutputImage(disk);
    cleanups.push(() => vm.stop());
    t.is((await sshExec(vm.port, "cat /etc/kiln-farm-marker", 5 * 60_000)).trim(), "made-by-libvirt-on-the-farm");
  });
}
