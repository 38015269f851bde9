/**
 * Kiln's virtualbox-iso and virtualbox-ovf builders through `kiln build`, against the VBoxManage
 * stand-in (test/stand-ins/virtualbox/, real QEMU guests), on the same templates packer 1.6.6
 * builds in test/stand-ins/virtualbox-packer.test.ts: the typed boot command reaches the
 * installer, which fetches from Kiln's http server and writes the IDE disk; an OVF is imported,
 * provisioned over SSH through the NAT forward and exported, and the export boots again under
 * plain QEMU with the marker. A failure and a cancel leave nothing registered or running; the
 * agent's reaper removes a VM whose owner died.
 */
import test, { type ExecutionContext } from "ava";
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { mkdir, open, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import type { OperatorLog } from "../../../shared/operator-log.js";
import { installerIso, parseInstallRecord } from "../../fixtures/installer-iso.js";
import { KILN_BIN } from "../../fixtures/kiln-cli.js";
import { baseImageOvf, qemuProcessesOfHome, vboxManage, virtualBoxStandIn, type VirtualBoxStandIn } from "../../fixtures/virtualbox-stand-in.js";
import { bootOutputImage, sshExec } from "./qemu-harness.js";
import { virtualboxIsoTemplate, virtualboxOvfTemplate } from "./virtualbox-templates.js";
import { tempDir } from "../../fixtures/temp-dir.js";

const run = promisify(execFile);
const onPath = (name: string): boolean => (process.env.PATH ?? "").split(":").some((d) => d && existsSync(join(d, name)));
const missing = ["qemu-system-x86_64", "qemu-img"].filter((p) => !onPath(p));

type Body = (t: ExecutionContext) => Promise<void>;
const vmTest = (title: string, fn: Body): void => {
  if (missing.length) test.skip(`${title} (skipped: ${missing.join(", ")} not found)`, () => {});
  else test.serial(title, fn);
};

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

interface KilnBuild {
  done: Promise<{ status: number | null; out: string }>;
  output(): string;
  signal(sig: NodeJS.Signals): void;
}

/** `kiln build` of `template` in `dir`, the stand-in first on PATH; killed at teardown, and after `deadlineMs`. */
async function startKiln(t: ExecutionContext, s: VirtualBoxStandIn, dir: string, template: unknown, deadlineMs = 15 * 60_000): Promise<KilnBuild> {
  await writeFile(join(dir, "template.json"), JSON.stringify(template, null, 2));
  const child = spawn(process.execPath, [KILN_BIN, "build", "-color=false", "template.json"], { cwd: dir, env: { ...s.env, KILN_CACHE_DIR: join(dir, "cache") } });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), deadlineMs);
  const done = new Promise<{ status: number | null; out: string }>((ok) => child.on("close", (status) => {
    clearTimeout(timer);
    ok({ status, out });
  }));
  t.teardown(() => {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  return { done, output: () => out, signal: (sig) => child.kill(sig) };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, deadlineMs: number): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

async function registeredVms(s: VirtualBoxStandIn): Promise<string> {
  const r = await vboxManage(s.env, ["list", "vms"]);
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const head = Buffer.alloc(bytes);
  const handle = await open(file, "r");
  try {
    await handle.read(head, 0, bytes, 0);
  } finally {
    await handle.close();
  }
  return head;
}

vmTest("virtualbox-iso: the scancode boot command starts the installer, which fetches from Kiln's http server on 10.0.2.2 and writes the IDE disk; the output is the OVF and its VMDK; nothing stays registered or running", async (t) => {
  t.timeout(20 * 60_000);
  const s = await virtualBoxStandIn(t);
  const iso = await installerIso();
  const dir = await tempDir("kiln-vbox-iso-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const marker = randomBytes(6).toString("hex");
  await mkdir(join(dir, "http"));
  await writeFile(join(dir, "http/payload.txt"), `payload ${marker} from http_directory\n`);

  const started = Date.now();
  const build = await startKiln(t, s, dir, virtualboxIsoTemplate({ isoPath: iso, isoSha256: await sha256Of(iso), outputDir: join(dir, "out"), httpDir: join(dir, "http"), marker }));
  const r = await build.done;
  t.log(`kiln build (virtualbox-iso, TCG) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Typing the boot command/);
  t.regex(r.out, /Executing: modifyvm packer-virtualbox-iso-\d+ --memory 512 --cpus 1 --nictype1 virtio/);
  t.regex(r.out, /Exporting virtual machine/);
  t.regex(r.out, /Builds finished\. The artifacts of successful builds are:\n--> virtualbox-iso: VM files in directory: /);

  const files = readdirSync(join(dir, "out")).sort();
  const vmdk = files.find((f) => f.endsWith("-disk001.vmdk"));
  t.truthy(files.find((f) => f.endsWith(".ovf")), files.join(", "));
  t.truthy(vmdk, files.join(", "));
  t.false(files.some((f) => f.endsWith(".vdi")), "the VM and its VDI are deleted after the export");
  await run("qemu-img", ["convert", "-O", "raw", join(dir, "out", vmdk!), join(dir, "disk.raw")]);
  const record = parseInstallRecord(await readHead(join(dir, "disk.raw"), 4096));
  t.regex(record.cmdline, new RegExp(`(^| )kiln\\.marker=${marker}( |$)`));
  t.regex(record.cmdline, /kiln\.url=http:\/\/10\.0\.2\.2:\d+\/payload\.txt/);
  t.is(record.payload, `payload ${marker} from http_directory`);
  t.is(await registeredVms(s), "");
  t.deepEqual(qemuProcessesOfHome(s.home), []);
});

vmTest("virtualbox-ovf: imports the base image's OVF, provisions over SSH through the NAT forward, exports; the exported disk boots under plain QEMU with the marker", async (t) => {
  t.timeout(20 * 60_000);
  const source = await baseImageOvf();
  const s = await virtualBoxStandIn(t);
  const dir = await tempDir("kiln-vbox-ovf-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const marker = `kiln-ovf-${randomBytes(6).toString("hex")}`;
  const started = Date.now();
  const build = await startKiln(t, s, dir, virtualboxOvfTemplate({ sourcePath: source, outputDir: join(dir, "out"), markerPath: "/root/kiln-marker", marker }));
  const r = await build.done;
  t.log(`kiln build (virtualbox-ovf, TCG) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Importing VM: /);
  t.regex(r.out, /Creating forwarded port mapping for communicator \(SSH, WinRM, etc\) \(host port \d+\)/);
  t.regex(r.out, /Connected to SSH!/);
  t.regex(r.out, /Uploading VirtualBox version info \(7\.\d+\.\d+\)/);
  t.regex(r.out, /Gracefully halting virtual machine/);
  const files = readdirSync(join(dir, "out"));
  const vmdk = files.find((f) => f.endsWith("-disk001.vmdk"));
  t.truthy(vmdk, files.join(", "));
  t.is(await registeredVms(s), "");
  t.deepEqual(qemuProcessesOfHome(s.home), []);

  const qcow = join(dir, "boot.qcow2");
  await run("qemu-img", ["convert", "-O", "qcow2", join(dir, "out", vmdk!), qcow]);
  const vm = await bootOutputImage(qcow);
  t.teardown(() => vm.stop());
  t.is((await sshExec(vm.port, "cat /root/kiln-marker; cat /root/.vbox_version", 5 * 60_000)).trim().split("\n")[0], marker);
});

vmTest("a failing provisioner and a cancel both leave nothing registered, running or in the output folder", async (t) => {
  t.timeout(20 * 60_000);
  const source = await baseImageOvf();
  const s = await virtualBoxStandIn(t);
  const dir = await tempDir("kiln-vbox-fail-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const failing = virtualboxOvfTemplate({ sourcePath: source, outputDir: join(dir, "out"), markerPath: "/root/m", marker: "x" }) as { provisioners: unknown[] };
  failing.provisioners = [{ type: "shell", inline: ["echo about to fail", "exit 3"] }];
  const r = await (await startKiln(t, s, dir, failing)).done;
  t.is(r.status, 1, r.out);
  t.regex(r.out, /Script exited with non-zero exit status: 3/);
  t.regex(r.out, /Deregistering and deleting VM/);
  t.false(existsSync(join(dir, "out")), "the output directory of a failed build is removed");
  t.is(await registeredVms(s), "");
  t.deepEqual(qemuProcessesOfHome(s.home), []);

  // Cancel while the ISO build waits for boot_wait: the VM is powered off and deleted at once.
  const iso = await installerIso();
  await mkdir(join(dir, "http"), { recursive: true });
  const cancelled = await startKiln(t, s, dir, virtualboxIsoTemplate({ isoPath: iso, isoSha256: await sha256Of(iso), outputDir: join(dir, "out2"), httpDir: join(dir, "http"), marker: "cancelled", bootWait: "10m" }));
  await waitFor("the build to wait for boot", () => (/Waiting 600s for boot/.test(cancelled.output()) ? true : undefined), 5 * 60_000);
  t.regex((await vboxManage(s.env, ["list", "runningvms"])).stdout, /^"packer-virtualbox-iso-\d+" \{/m);
  cancelled.signal("SIGINT");
  const c = await Promise.race([cancelled.done, sleep(3 * 60_000).then(() => ({ status: -1, out: "kiln did not exit within 3 minutes of SIGINT" }))]);
  t.not(c.status, 0, c.out);
  t.regex(c.out, /Deregistering and deleting VM/);
  t.is(await registeredVms(s), "");
  t.deepEqual(qemuProcessesOfHome(s.home), []);
});

vmTest("the agent's reaper powers off and deletes a VM whose owner process died, and leaves others alone", async (t) => {
  t.timeout(5 * 60_000);
  const s = await virtualBoxStandIn(t);
  const vbm = async (...args: string[]) => {
    const r = await vboxManage(s.env, args);
    if (r.status !== 0) throw new Error(`VBoxManage ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  await vbm("createvm", "--name", "orphan", "--ostype", "Debian_64", "--register");
  await vbm("setextradata", "orphan", "kiln/owner", "999999");
  await vbm("createvm", "--name", "someone-elses", "--ostype", "Debian_64", "--register");
  await vbm("startvm", "orphan", "--type", "headless");
  const { reapVirtualBoxVms } = await import("../../../agent/builders/virtualbox/reap-vms.js");
  const saved = { PATH: process.env.PATH, VBOX_USER_HOME: process.env.VBOX_USER_HOME };
  t.teardown(() => Object.assign(process.env, saved));
  Object.assign(process.env, { PATH: s.env.PATH, VBOX_USER_HOME: s.env.VBOX_USER_HOME });
  const said: string[] = [];
  const log: OperatorLog = { info: (m) => said.push(m), warn: (m) => said.push(m), error: (m) => said.push(m) };
  await reapVirtualBoxVms([{ pid: 999999, buildId: "b", jobIndex: 0, attempt: 1 }], log);
  t.deepEqual(said, ["removed a VirtualBox VM left by a dead job"]);
  t.regex(await registeredVms(s), /^"someone-elses" \{[^}]+\}$/);
  t.deepEqual(qemuProcessesOfHome(s.home), []);
});
