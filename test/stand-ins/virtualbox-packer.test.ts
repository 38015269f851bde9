/**
 * Kiln's VBoxManage stand-in (test/stand-ins/virtualbox/) is faithful enough that packer 1.6.6's
 * own virtualbox-iso and virtualbox-ovf builders build against it on real QEMU guests: an
 * installer booted from an IDE CD with a typed boot command (keyboardputscancode), fetching from
 * packer's http server on VirtualBox's NAT host address; an OVF imported, provisioned over SSH
 * through a NAT port forward, exported again; a cancelled build leaving nothing behind. Plus the
 * stand-in's own refusals and VM states without packer.
 */
import test, { type ExecutionContext } from "ava";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { XMLParser } from "fast-xml-parser";
import { installerIso, parseInstallRecord } from "../fixtures/installer-iso.js";
import { baseImageOvf, qemuProcessesOfHome, vboxManage, virtualBoxStandIn, type VirtualBoxStandIn } from "../fixtures/virtualbox-stand-in.js";
import { virtualboxIsoTemplate, virtualboxOvfTemplate } from "../agent/builders/virtualbox-templates.js";
import { parseScancodes } from "./virtualbox/scancodes.js";

const PACKER = "/usr/bin/packer";
const run = promisify(execFile);

function onPath(name: string): boolean {
  return (process.env.PATH ?? "").split(":").some((d) => d && existsSync(join(d, name)));
}

const missing = [!onPath("qemu-system-x86_64") && "qemu-system-x86_64", !onPath("qemu-img") && "qemu-img"].filter(Boolean);
const packerMissing = existsSync(PACKER) ? [] : [PACKER];
type Body = (t: ExecutionContext) => Promise<void>;
/** Tests that need QEMU (and packer) say in their title why they were skipped. */
function guarded(needs: string[]): (title: string, fn: Body) => void {
  return (title, fn) => {
    if (needs.length) test.skip(`${title} (skipped: ${needs.join(", ")} not found)`, () => {});
    else test.serial(title, fn);
  };
}
const vmTest = guarded(missing as string[]);
const packerTest = guarded([...missing, ...packerMissing] as string[]);

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, deadlineMs: number): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface PackerRun {
  child: ChildProcess;
  done: Promise<{ status: number | null; out: string }>;
  output(): string;
}

/** `packer build` of `template` in `dir` with the stand-in first on PATH; killed at teardown if still running. */
async function startPacker(t: { teardown(fn: () => void): void }, s: VirtualBoxStandIn, dir: string, template: unknown): Promise<PackerRun> {
  await writeFile(join(dir, "template.json"), JSON.stringify(template, null, 2));
  // TMPDIR: packer 1.6.6's cd_files step leaves its packer_to_cdrom* folder in the temp folder.
  const env = { ...s.env, CHECKPOINT_DISABLE: "1", PACKER_CACHE_DIR: join(dir, "packer-cache"), PACKER_LOG: "1", PACKER_LOG_PATH: join(dir, "packer.log"), TMPDIR: dir };
  // Its own process group, so a cancel reaches it as a terminal's Ctrl-C does: packer's outer
  // (panicwrap) process ignores a SIGINT sent to it alone and leaves it to the group.
  const child = spawn(PACKER, ["build", "-color=false", "template.json"], { cwd: dir, env, detached: true });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ status: number | null; out: string }>((ok) => child.on("close", (status) => ok({ status, out })));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  });
  return { child, done, output: () => out };
}

/** The packer log's VBoxManage lines, to explain a failed build. */
function vboxManageCalls(dir: string): string {
  try {
    return readFileSync(join(dir, "packer.log"), "utf8").split("\n").filter((l) => /Executing VBoxManage|stderr: \S/.test(l)).slice(-30).join("\n");
  } catch {
    return "(no packer log)";
  }
}

async function registeredVms(s: VirtualBoxStandIn): Promise<string> {
  const r = await vboxManage(s.env, ["list", "vms"]);
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

async function toRaw(vmdk: string, raw: string): Promise<void> {
  await run("qemu-img", ["convert", "-O", "raw", vmdk, raw]);
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

/** The parts of an exported OVF descriptor (one disk) the test checks. */
interface OvfDocument {
  Envelope: {
    "@version": string;
    References: { File: { "@id": string; "@href": string } };
    DiskSection: { Disk: { "@fileRef": string; "@capacity": string; "@format": string } };
  };
}

function parseOvf(file: string): OvfDocument {
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", removeNSPrefix: true }).parse(readFileSync(file, "utf8")) as OvfDocument;
}

packerTest("packer 1.6.6 virtualbox-iso builds against the stand-in: the typed boot command boots the installer from the IDE CD, it fetches from packer's http server on 10.0.2.2, writes the IDE disk and powers off; the export is an OVF 1.0 with the disk as VMDK; nothing stays registered or running", async (t) => {
  t.timeout(20 * 60_000);
  const s = await virtualBoxStandIn(t);
  const iso = await installerIso();
  const dir = await mkdtemp(join(tmpdir(), "kiln-vbox-iso-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const marker = randomBytes(6).toString("hex");
  await mkdir(join(dir, "http"));
  await writeFile(join(dir, "http/payload.txt"), `payload ${marker} from http_directory\n`);

  const started = Date.now();
  const p = await startPacker(t, s, dir, virtualboxIsoTemplate({ isoPath: iso, isoSha256: await sha256Of(iso), outputDir: join(dir, "out"), httpDir: join(dir, "http"), marker }));
  const r = await p.done;
  t.log(`packer build (virtualbox-iso, TCG) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.is(r.status, 0, `${r.out}\n${vboxManageCalls(dir)}`);
  t.regex(r.out, /Typing the boot command/);
  t.regex(r.out, /Exporting virtual machine/);

  const files = readdirSync(join(dir, "out")).sort();
  const ovf = files.find((f) => f.endsWith(".ovf"));
  const vmdk = files.find((f) => f.endsWith("-disk001.vmdk"));
  t.truthy(ovf, files.join(", "));
  t.truthy(vmdk, files.join(", "));
  t.false(files.some((f) => f.endsWith(".vdi")), "unregistervm --delete removes the build's VDI");

  await toRaw(join(dir, "out", vmdk!), join(dir, "disk.raw"));
  const record = parseInstallRecord(await readHead(join(dir, "disk.raw"), 4096));
  // The marker only reaches the kernel command line through the typed scan codes.
  t.regex(record.cmdline, new RegExp(`(^| )kiln\\.marker=${marker}( |$)`));
  t.regex(record.cmdline, /kiln\.url=http:\/\/10\.0\.2\.2:\d+\/payload\.txt/);
  t.is(record.payload, `payload ${marker} from http_directory`);
  t.is(record.cd, "");

  const doc = parseOvf(join(dir, "out", ovf!));
  t.is(doc.Envelope["@version"], "1.0");
  t.is(doc.Envelope.References.File["@href"], vmdk!);
  t.is(doc.Envelope.DiskSection.Disk["@fileRef"], doc.Envelope.References.File["@id"]);
  t.is(Number(doc.Envelope.DiskSection.Disk["@capacity"]), 64 * 1024 * 1024);
  t.regex(doc.Envelope.DiskSection.Disk["@format"], /streamOptimized$/);

  t.is(await registeredVms(s), "");
  t.deepEqual(qemuProcessesOfHome(s.home), []);
});

packerTest("packer 1.6.6 virtualbox-ovf builds against the stand-in: imports the base image's OVF, provisions over SSH through the NAT port forward, shuts down and exports; the marker is in the exported disk", async (t) => {
  t.timeout(20 * 60_000);
  const source = await baseImageOvf();
  const s = await virtualBoxStandIn(t);
  const dir = await mkdtemp(join(tmpdir(), "kiln-vbox-ovf-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const marker = `kiln-ovf-${randomBytes(6).toString("hex")}`;

  const started = Date.now();
  const p = await startPacker(t, s, dir, virtualboxOvfTemplate({ sourcePath: source, outputDir: join(dir, "out"), markerPath: "/root/kiln-marker", marker }));
  const r = await p.done;
  t.log(`packer build (virtualbox-ovf, TCG) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.is(r.status, 0, `${r.out}\n${vboxManageCalls(dir)}`);
  t.regex(r.out, /Importing VM/);
  t.regex(r.out, /Gracefully halting virtual machine/);

  const files = readdirSync(join(dir, "out"));
  const vmdk = files.find((f) => f.endsWith("-disk001.vmdk"));
  t.truthy(files.find((f) => f.endsWith(".ovf")), files.join(", "));
  t.truthy(vmdk, files.join(", "));
  const raw = join(dir, "disk.raw");
  await toRaw(join(dir, "out", vmdk!), raw);
  // The first MBR partition's start sector (little-endian at 0x1C6), to read its ext4 with debugfs.
  const mbr = await readHead(raw, 512);
  const offset = mbr.readUInt32LE(0x1c6) * 512;
  const cat = await run("debugfs", ["-R", "cat /root/kiln-marker", `${raw}?offset=${offset}`]);
  t.is(cat.stdout.trim(), marker);

  t.is(await registeredVms(s), "");
  t.deepEqual(qemuProcessesOfHome(s.home), []);
});

packerTest("SIGINT to packer while virtualbox-iso waits to type the boot command powers the VM off and unregisters it: nothing registered, no QEMU left", async (t) => {
  t.timeout(10 * 60_000);
  const s = await virtualBoxStandIn(t);
  const iso = await installerIso();
  const dir = await mkdtemp(join(tmpdir(), "kiln-vbox-cancel-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "http"));
  const p = await startPacker(t, s, dir, virtualboxIsoTemplate({ isoPath: iso, isoSha256: await sha256Of(iso), outputDir: join(dir, "out"), httpDir: join(dir, "http"), marker: "cancelled", bootWait: "10m" }));

  await waitFor("packer to wait for boot", async () => (/Waiting 10m0s for boot/.test(p.output()) ? true : undefined), 5 * 60_000);
  const running = await vboxManage(s.env, ["list", "runningvms"]);
  t.regex(running.stdout, /^"packer-virtualbox-iso-\d+" \{[0-9a-f-]+\}$/m);
  t.is(qemuProcessesOfHome(s.home).length, 1);

  process.kill(-p.child.pid!, "SIGINT"); // Ctrl-C: the whole process group
  const r = await withDeadline(p.done, 3 * 60_000, "packer to exit after SIGINT");
  t.not(r.status, 0, r.out);
  t.regex(r.out, /Deregistering and deleting VM/);
  t.is(await registeredVms(s), "");
  t.deepEqual(qemuProcessesOfHome(s.home), []);
});

vmTest("the stand-in refuses what it does not implement, refuses non-loopback port forwards, and reports poweroff -> running -> poweroff, and aborted when QEMU is killed", async (t) => {
  t.timeout(5 * 60_000);
  const s = await virtualBoxStandIn(t);
  const vbm = (...args: string[]) => vboxManage(s.env, args);
  const state = async (vm: string) => /^VMState="(\w+)"$/m.exec((await vbm("showvminfo", vm, "--machinereadable")).stdout)?.[1];
  const notImplemented = /^VBoxManage: error: .*\(not implemented by Kiln's VBoxManage stand-in\)$/m;

  t.regex((await vbm("--version")).stdout, /^7\.\d+\.\d+r\d+\n$/);
  t.is((await vbm("createvm", "--name", "probe", "--ostype", "Debian_64", "--register")).status, 0);

  const flag = await vbm("modifyvm", "probe", "--memory", "256", "--frobnicate", "on");
  t.is(flag.status, 1);
  t.regex(flag.stderr, notImplemented);
  t.regex(flag.stderr, /--frobnicate/);
  const command = await vbm("snapshot", "probe", "take", "s1");
  t.is(command.status, 1);
  t.regex(command.stderr, notImplemented);
  const value = await vbm("modifyvm", "probe", "--nic1", "bridged");
  t.is(value.status, 1);
  t.regex(value.stderr, notImplemented);

  for (const hostIp of ["0.0.0.0", "", "192.168.1.10"]) {
    const r = await vbm("modifyvm", "probe", "--natpf1", `ssh,tcp,${hostIp},2222,,22`);
    t.is(r.status, 1, hostIp);
    t.regex(r.stderr, /^VBoxManage: error: .*not a loopback address/m);
  }
  t.is((await vbm("modifyvm", "probe", "--natpf1", "ssh,tcp,127.0.0.1,2222,,22")).status, 0);
  const dup = await vbm("modifyvm", "probe", "--natpf1", "ssh,tcp,127.0.0.1,2223,,22");
  t.regex(dup.stderr, /A NAT rule of this name already exists/); // the text packer matches to retry
  t.regex((await vbm("showvminfo", "probe", "--machinereadable")).stdout, /^Forwarding\(0\)="ssh,tcp,127\.0\.0\.1,2222,,22"$/m);
  t.is((await vbm("modifyvm", "probe", "--natpf1", "delete", "ssh")).status, 0);

  // No disk: SeaBIOS finds nothing to boot and waits, which is enough for the VM's states.
  t.is(await state("probe"), "poweroff");
  const start = await vbm("startvm", "probe", "--type", "headless");
  t.is(start.status, 0, start.stderr);
  t.is(await state("probe"), "running");
  t.regex((await vbm("list", "runningvms")).stdout, /^"probe" \{/m);
  t.is(qemuProcessesOfHome(s.home).length, 1);
  const locked = await vbm("modifyvm", "probe", "--memory", "512");
  t.regex(locked.stderr, /VBOX_E_INVALID_OBJECT_STATE/);
  t.is((await vbm("controlvm", "probe", "poweroff")).status, 0);
  t.is(await state("probe"), "poweroff");
  t.deepEqual(qemuProcessesOfHome(s.home), []);

  t.is((await vbm("startvm", "probe", "--type", "headless")).status, 0);
  const [qemu] = qemuProcessesOfHome(s.home);
  process.kill(qemu!, "SIGKILL");
  t.is(await waitFor("the VM to be aborted", async () => ((await state("probe")) === "aborted" ? "aborted" : undefined), 30_000), "aborted");
  t.is((await vbm("unregistervm", "probe", "--delete")).status, 0);
  t.is(await registeredVms(s), "");
});

test("keyboardputscancode bytes become QEMU key events: make/break codes, E0-prefixed keys as qnum 0x80|code", (t) => {
  t.deepEqual(parseScancodes(["2a", "1e", "aa", "9e", "e0", "48", "e0", "c8", "1c", "9c"]), [
    { down: true, qnum: 0x2a }, { down: true, qnum: 0x1e }, { down: false, qnum: 0x2a }, { down: false, qnum: 0x1e },
    { down: true, qnum: 0xc8 }, { down: false, qnum: 0xc8 }, { down: true, qnum: 0x1c }, { down: false, qnum: 0x1c },
  ]);
  t.throws(() => parseScancodes(["zz"]));
  t.throws(() => parseScancodes(["e1", "1d", "45"]), { message: /not implemented by Kiln's VBoxManage stand-in/ });
});
