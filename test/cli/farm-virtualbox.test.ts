/**
 * A virtualbox-iso build through the farm: a real nats-server, a controller, an agent that only
 * runs null jobs and one whose PATH has the VBoxManage stand-in (test/stand-ins/virtualbox, real
 * QEMU guests), and the real `kiln` CLI as the client. The agent advertises `virtualbox` because
 * `VBoxManage --version` answers; only it takes the VirtualBox job; the client downloads the OVF
 * and its VMDK, and the disk carries the installer's record of the typed boot command.
 */
import test from "ava";
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { mkdir, open, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { startController, type RunningController } from "../../controller/index.js";
import { installerIso, parseInstallRecord } from "../fixtures/installer-iso.js";
import { KILN_BIN } from "../fixtures/kiln-cli.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { qemuProcessesOfHome, vboxManage, virtualBoxStandIn } from "../fixtures/virtualbox-stand-in.js";
import { virtualboxIsoTemplate } from "../agent/builders/virtualbox-templates.js";
import { tempDir } from "../fixtures/temp-dir.js";

const TOKEN = "farm-virtualbox-token";
const run = promisify(execFile);
const missing = ["qemu-system-x86_64", "qemu-img"].filter((p) => !(process.env.PATH ?? "").split(":").some((d) => d && existsSync(join(d, p))));

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

if (missing.length) {
  test.skip(`farm virtualbox build (skipped: ${missing.join(", ")} not found)`, () => {});
} else {
  test.serial("the virtualbox-iso job goes to the agent with VBoxManage; the client gets the OVF and a disk with the installer's record", async (t) => {
    t.timeout(20 * 60_000);
    const s = await virtualBoxStandIn(t);
    // The agent runs in this process and finds VBoxManage (and its VM store) through the environment.
    const saved = { PATH: process.env.PATH, VBOX_USER_HOME: process.env.VBOX_USER_HOME };
    Object.assign(process.env, { PATH: s.env.PATH, VBOX_USER_HOME: s.env.VBOX_USER_HOME });
    t.teardown(() => {
      process.env.PATH = saved.PATH;
      if (saved.VBOX_USER_HOME === undefined) delete process.env.VBOX_USER_HOME;
      else process.env.VBOX_USER_HOME = saved.VBOX_USER_HOME;
    });
    const nats: NatsServerFixture = await startNatsServer();
    t.teardown(() => nats.stop());
    const controller: RunningController = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, sweepIntervalMs: 200 });
    t.teardown(() => controller.stop());
    const nullAgent: AgentHandle = await startAgent({ nats: { url: nats.url }, name: "agent-null", builders: ["null"], pullExpiresMs: 1000 });
    t.teardown(() => nullAgent.stop());
    const vboxAgent: AgentHandle = await startAgent({ nats: { url: nats.url }, name: "agent-vbox", builders: ["virtualbox-iso", "virtualbox-ovf"], pullExpiresMs: 1000, ackWaitMs: 30_000 });
    t.teardown(() => vboxAgent.stop());

    const dir = await tempDir("kiln-farm-vbox-");
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const iso = await installerIso();
    const marker = randomBytes(6).toString("hex");
    await mkdir(join(dir, "http"));
    await writeFile(join(dir, "http/payload.txt"), `farm payload ${marker}\n`);
    const template = virtualboxIsoTemplate({ isoPath: iso, isoSha256: await sha256Of(iso), outputDir: "out", httpDir: "http", marker }) as { builders: Record<string, unknown>[] };
    template.builders[0]!.name = "vbox";
    template.builders.push({ type: "null", name: "side", communicator: "none" });
    await writeFile(join(dir, "template.json"), JSON.stringify(template, null, 2));

    const child = spawn(process.execPath, [KILN_BIN, "build", "-color=false", "template.json"], { cwd: dir, env: { ...process.env, KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN } });
    t.teardown(() => child.kill("SIGKILL"));
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15 * 60_000);
    const status = await new Promise<number | null>((ok) => child.on("close", ok));
    clearTimeout(timer);
    t.is(status, 0, out);
    t.regex(out, /vbox: running on agent agent-vbox/);
    t.regex(out, /side: running on agent agent-null/);
    t.regex(out, /--> vbox: VM files in directory: /);

    const files = readdirSync(join(dir, "out")).sort();
    const vmdk = files.find((f) => f.endsWith("-disk001.vmdk"));
    t.truthy(files.find((f) => f.endsWith(".ovf")), files.join(", "));
    t.truthy(vmdk, files.join(", "));
    await run("qemu-img", ["convert", "-O", "raw", join(dir, "out", vmdk!), join(dir, "disk.raw")]);
    const head = Buffer.alloc(4096);
    const handle = await open(join(dir, "disk.raw"), "r");
    await handle.read(head, 0, 4096, 0);
    await handle.close();
    const record = parseInstallRecord(head);
    t.regex(record.cmdline, new RegExp(`kiln\\.marker=${marker}`));
    t.is(record.payload, `farm payload ${marker}`);
    t.is((await vboxManage(s.env, ["list", "vms"])).stdout.trim(), "");
    t.deepEqual(qemuProcessesOfHome(s.home), []);
  });
}
