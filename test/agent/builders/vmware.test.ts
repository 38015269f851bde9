/**
 * The vmware-iso builder through `kiln build`, against Kiln's VMware Workstation stand-ins
 * (test/stand-ins/vmware: vmrun, vmware-vdiskmanager, … running real QEMU guests under TCG):
 * the installer ISO boots from the .vmx's CD-ROM, the boot_command is typed over the VM's VNC
 * server with its password, the installer fetches a file from http_directory at {{ .HTTPIP }}
 * (the host's vmnet8 address) and writes its record on the VMDK, then powers itself off. The
 * output is the .vmx and the VMDK; nothing keeps running. A cancel stops the VM at once.
 * vmware-vmx clones a .vmx of the Debian base image, reaches it over SSH (ssh_host/ssh_port: the
 * stand-in's loopback forward), provisions it and shuts it down with shutdown_command.
 */
import test from "ava";
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { findOnPath } from "../../../agent/host-probe/index.js";
import { baseImage } from "../../fixtures/base-image.js";
import { INSTALLER_CD_FILE, installerIso, parseInstallRecord } from "../../fixtures/installer-iso.js";
import { vmwareStandIn } from "../../fixtures/vmware-stand-in.js";
import { parseVmx } from "../../../agent/builders/vmware/vmx-file.js";
import { isStandInQemu } from "../../stand-ins/vmware/vm-registry.js";
import { kiln, qemuProcessesUsing, workspace } from "./qemu-harness.js";
import { makeSourceVm, VMX_MARKER_FILE, vmwareIsoInstallTemplate, vmwareVmxTemplate } from "./vmware-templates.js";
import { tempDir } from "../../fixtures/temp-dir.js";

let iso: string;
let isoSha256: string;
let missing: string | undefined;

test.before(async () => {
  for (const program of ["qemu-system-x86_64", "qemu-img"]) if (!(await findOnPath(process.env, program))) missing ??= program;
  if (process.getuid?.() !== 0) missing ??= "root (the stand-in writes /etc/vmware)";
  if (missing) return;
  iso = await installerIso();
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(iso)) hash.update(chunk as Buffer);
  isoSha256 = hash.digest("hex");
});

/** Runs `kiln build` with the stand-in's environment; `onOutput` sees the output as it grows. */
function kilnBuild(dir: string, env: NodeJS.ProcessEnv, onOutput?: (out: string) => void): { child: ReturnType<typeof spawn>; done: Promise<{ status: number | null; out: string }> } {
  const child = spawn(process.execPath, [kiln, "build", "-color=false", "template.json"], { cwd: dir, env });
  let out = "";
  const add = (d: Buffer): void => {
    out += d.toString();
    onOutput?.(out);
  };
  child.stdout!.on("data", add);
  child.stderr!.on("data", add);
  return { child, done: new Promise((resolve) => child.on("close", (status) => resolve({ status, out }))) };
}

/** `promise`, or a rejection naming `what` after `ms` (the timer never outlives the promise). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitFor(what: string, deadlineMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs / 1000}s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test.serial("vmware-iso: the installer ISO boots, the boot command is typed over VNC, the install lands on the VMDK; .vmx and .vmdk are the output", async (t) => {
  if (missing) return t.pass(`skipped: no ${missing}`);
  t.timeout(15 * 60_000);
  const standIn = await vmwareStandIn(t);
  const marker = randomBytes(6).toString("hex");
  const dir = workspace(vmwareIsoInstallTemplate({
    isoPath: iso, isoChecksum: `sha256:${isoSha256}`, outputDir: "out", httpDir: "http", cdFiles: ["cd/*.txt"], marker, vmxData: standIn.vmxData, bootWait: "5s",
  }));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "http"));
  await writeFile(join(dir, "http/payload.txt"), `payload ${marker} from http_directory\n`);
  await mkdir(join(dir, "cd"));
  await writeFile(join(dir, "cd", INSTALLER_CD_FILE), `answer ${marker} from cd_files\n`);

  const started = Date.now();
  const { child, done } = kilnBuild(dir, standIn.env);
  t.teardown(() => void child.kill("SIGKILL"));
  const r = await within(done, 12 * 60_000, "kiln build did not finish");
  t.log(`kiln build (vmware-iso: disks, vmx, VNC boot command, install, power off, compaction) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Typing the boot command over VNC\.\.\./);
  t.regex(r.out, /Compacting all attached virtual disks/);

  // disk_type_id 1 (Packer's default) is a sparse disk split in 2 GB extents: disk.vmdk describes disk-s001.vmdk.
  const files = (await readdir(join(dir, "out"))).sort();
  t.deepEqual(files, ["disk-s001.vmdk", "disk.vmdk", "installed.vmx"], r.out);
  const vmx = parseVmx(await readFile(join(dir, "out/installed.vmx"), "utf8"));
  t.is(vmx.get("ide0:0.filename"), "disk.vmdk");
  t.is(vmx.get("ide0:1.devicetype"), "cdrom-raw", "the installer ISO is detached");
  t.is(vmx.get("remotedisplay.vnc.enabled"), "FALSE");
  t.false(vmx.has("kiln.owner"));

  const raw = join(await tempDir("kiln-vmdk-"), "disk.raw");
  t.teardown(() => rm(join(raw, ".."), { recursive: true, force: true }));
  await promisify(execFile)("qemu-img", ["convert", "-f", "vmdk", "-O", "raw", join(dir, "out/disk.vmdk"), raw]);
  const fd = await open(raw, "r");
  const head = Buffer.alloc(4096);
  await fd.read(head, 0, head.length, 0);
  await fd.close();
  const record = parseInstallRecord(head);
  t.true(record.cmdline.includes(`kiln.marker=${marker}`), record.cmdline);
  t.is(record.payload, `payload ${marker} from http_directory`);
  t.is(record.cd, `answer ${marker} from cd_files`);
  t.is(vmx.get("ide1:1.devicetype"), "cdrom-raw", "the cd_files CD is detached");

  t.deepEqual(standIn.runningVms(), []);
  t.deepEqual(qemuProcessesUsing(dir), []);
});

test.serial("vmware-iso: a cancel while the VM boots stops it at once and removes the output", async (t) => {
  if (missing) return t.pass(`skipped: no ${missing}`);
  t.timeout(5 * 60_000);
  const standIn = await vmwareStandIn(t);
  // isolinux waits at boot: for a boot command that never comes (boot_wait 10m).
  const dir = workspace(vmwareIsoInstallTemplate({
    isoPath: iso, isoChecksum: `sha256:${isoSha256}`, outputDir: "out", httpDir: "http", cdFiles: [], marker: "cancelled", vmxData: standIn.vmxData, bootWait: "10m",
  }));
  await mkdir(join(dir, "http"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const { child, done } = kilnBuild(dir, standIn.env);
  t.teardown(() => void child.kill("SIGKILL"));
  await waitFor("the build to wait for boot", 3 * 60_000, () => standIn.runningVms().length === 1 && child.exitCode === null);
  const running = standIn.runningVms()[0]!;
  t.true(existsSync(join(dir, "out")));
  const cancelledAt = Date.now();
  child.kill("SIGINT");
  const r = await within(done, 60_000, "kiln did not exit after SIGINT");
  t.log(`exit ${(Date.now() - cancelledAt) / 1000} s after SIGINT`);
  t.is(r.status, 1, r.out);
  t.regex(r.out, /cancel/i);
  t.deepEqual(standIn.runningVms(), [], r.out);
  t.false(isStandInQemu(running.pid), "the VM's QEMU is gone");
  t.false(existsSync(join(dir, "out")), r.out);
});

test.serial("vmware-vmx: a clone of a .vmx boots, is provisioned over SSH and shut down by shutdown_command; the change is in its disk", async (t) => {
  if (missing) return t.pass(`skipped: no ${missing}`);
  t.timeout(15 * 60_000);
  const standIn = await vmwareStandIn(t);
  const source = await tempDir("kiln-vmx-source-");
  t.teardown(() => rm(source, { recursive: true, force: true }));
  const marker = `kiln-vmx-marker-${randomBytes(6).toString("hex")}`;
  const dir = workspace(vmwareVmxTemplate({ sourcePath: await makeSourceVm(source, await baseImage()), outputDir: "out", sshPort: standIn.sshPort, marker, vmxData: standIn.vmxData }));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const started = Date.now();
  const { child, done } = kilnBuild(dir, standIn.env);
  t.teardown(() => void child.kill("SIGKILL"));
  const r = await within(done, 12 * 60_000, "kiln build did not finish");
  t.log(`kiln build (vmware-vmx: clone, boot, SSH, shell, poweroff) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Cloning source VM\.\.\./);
  t.regex(r.out, /Connected to SSH!/);
  t.regex(r.out, /Gracefully halting virtual machine\.\.\./);
  t.true((await readdir(join(dir, "out"))).includes("provisioned.vmx"));
  const disks = (await readdir(join(dir, "out"))).filter((f) => f.endsWith(".vmdk"));
  t.true(disks.length > 0, r.out);
  // The file's bytes are somewhere in the guest's ext4: a byte search of the raw disk finds them.
  const scratch = await tempDir("kiln-vmdk-");
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  const vmx = parseVmx(await readFile(join(dir, "out/provisioned.vmx"), "utf8"));
  await promisify(execFile)("qemu-img", ["convert", "-O", "raw", join(dir, "out", vmx.get("ide0:0.filename")!), join(scratch, "disk.raw")]);
  const found = await promisify(execFile)("grep", ["-c", "-a", marker, join(scratch, "disk.raw")]).then((x) => Number(x.stdout.trim()), () => 0);
  t.true(found > 0, `the provisioner's ${VMX_MARKER_FILE} is on the output disk`);
  t.deepEqual(standIn.runningVms(), []);
});
