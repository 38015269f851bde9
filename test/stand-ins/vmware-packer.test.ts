/**
 * Kiln's VMware Workstation stand-ins (test/stand-ins/vmware) are faithful enough that packer
 * 1.6.6's own vmware-iso and vmware-vmx builders (local Workstation driver) build against them:
 * real QEMU guests (TCG), VNC boot commands, NAT port forwards on 127.0.0.1, vmdk disks. Plus the
 * stand-in's own contract without packer: unknown .vmx keys are refused, start/list/stop, the VNC
 * console asks for the password, vmware-vdiskmanager's disk types; and a cancelled packer build
 * leaves no QEMU behind.
 */
import test from "ava";
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { leasePort } from "../../agent/builders/common/host-ports.js";
import { baseImage } from "../fixtures/base-image.js";
import { INSTALLER_CD_FILE, installerIso, parseInstallRecord } from "../fixtures/installer-iso.js";
import { vmwareStandIn, type VmwareStandIn } from "../fixtures/vmware-stand-in.js";
import { qemuProcessesUsing } from "../agent/builders/qemu-harness.js";
import { makeSourceVm, VMX_MARKER_FILE, vmwareIsoInstallTemplate, vmwareVmxTemplate } from "../agent/builders/vmware-templates.js";

const run = promisify(execFile);
const has = (program: string): boolean => spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
const missing = [
  ...(has("qemu-system-x86_64") ? [] : ["qemu-system-x86_64"]),
  ...(has("qemu-img") ? [] : ["qemu-img"]),
  ...(process.getuid?.() === 0 ? [] : ["root (the fixture writes /etc/vmware)"]),
];
const missingForPacker = [...missing, ...(existsSync("/usr/bin/packer") ? [] : ["packer 1.6.6 at /usr/bin/packer"])];
const vmTest = missing.length === 0 ? test.serial : test.serial.skip;
const packerTest = missingForPacker.length === 0 ? test.serial : test.serial.skip;
if (missing.length > 0) console.warn(`VMware stand-in tests skipped: missing ${missing.join(", ")}`);
else if (missingForPacker.length > 0) console.warn(`packer-against-stand-in tests skipped: missing ${missingForPacker.join(", ")}`);

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function workdir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "kiln-vmw-packer-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface PackerRun {
  child: ChildProcess;
  /** Ctrl-C as a terminal sends it: SIGINT to packer's whole process group. */
  interrupt(): void;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
}

/**
 * `packer build` with the stand-in's env, in a process group of its own: packer 1.6.6 re-runs
 * itself under panicwrap, whose wrapper forwards only SIGTERM, so a SIGINT to the wrapper's pid
 * alone would kill the wrapper and leave the real packer running. Past `deadlineMs`, or at
 * teardown, the group is killed.
 */
async function packerBuild(t: { teardown(fn: () => void): void }, dir: string, template: unknown, standIn: VmwareStandIn, deadlineMs: number): Promise<PackerRun> {
  const templatePath = join(dir, "template.json");
  await writeFile(templatePath, JSON.stringify(template, null, 2));
  // TMPDIR: packer 1.6.6's cd_files step leaves its packer_to_cdrom* folder in the temp folder.
  const env = { ...standIn.env, CHECKPOINT_DISABLE: "1", PACKER_CACHE_DIR: join(dir, "packer_cache"), PACKER_LOG: "1", PACKER_LOG_PATH: join(dir, "packer.log"), TMPDIR: dir };
  const child = spawn("/usr/bin/packer", ["build", "-color=false", templatePath], { cwd: dir, env, detached: true });
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone
    }
  };
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => signalGroup("SIGKILL"), deadlineMs);
  t.teardown(() => signalGroup("SIGKILL"));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    }),
  );
  return { child, interrupt: () => signalGroup("SIGINT"), done };
}

/** The stand-in's vmrun log lines from packer's log: what packer ran, for the record. */
function vmwareCommands(dir: string): string[] {
  const log = existsSync(join(dir, "packer.log")) ? readFileSync(join(dir, "packer.log"), "utf8") : "";
  const commands = [...log.matchAll(/Executing: (\S*(?:vmrun|vmware-vdiskmanager)) (.*)$/gm)].map((m) => `${m[1]!.split("/").pop()} ${m[2]}`);
  // Consecutive repeats (packer polls `vmrun list`) as one line with a count.
  const lines: string[] = [];
  let count = 0;
  commands.forEach((c, i) => {
    count++;
    if (commands[i + 1] === c) return;
    lines.push(count > 1 ? `${c} (x${count})` : c);
    count = 0;
  });
  return lines;
}

async function firstSector(vmdk: string, dir: string): Promise<Buffer> {
  const raw = join(dir, "disk.raw");
  await run("qemu-img", ["convert", "-f", "vmdk", "-O", "raw", vmdk, raw]);
  const handle = await open(raw, "r");
  try {
    const head = Buffer.alloc(4096);
    await handle.read(head, 0, head.length, 0);
    return head;
  } finally {
    await handle.close();
    await rm(raw, { force: true });
  }
}

packerTest("packer 1.6.6 vmware-iso installs from the installer ISO against the stand-ins: VNC boot_command, HTTPIP from dhcpd.conf, cd_files, self power-off, compaction", async (t) => {
  t.timeout(10 * 60_000);
  const standIn = await vmwareStandIn(t);
  const iso = await installerIso();
  const dir = await workdir(t);
  const marker = randomBytes(6).toString("hex");
  await mkdir(join(dir, "http"));
  await writeFile(join(dir, "http/payload.txt"), `payload ${marker} from http_directory\n`);
  await mkdir(join(dir, "cd"));
  await writeFile(join(dir, "cd", INSTALLER_CD_FILE), `answer ${marker} from cd_files\n`);
  const template = vmwareIsoInstallTemplate({
    isoPath: iso,
    isoChecksum: `sha256:${await sha256Of(iso)}`,
    outputDir: join(dir, "out"),
    httpDir: join(dir, "http"),
    cdFiles: [join(dir, "cd", INSTALLER_CD_FILE)],
    marker,
    vmxData: standIn.vmxData,
  });

  const started = Date.now();
  const r = await (await packerBuild(t, dir, template, standIn, 8 * 60_000)).done;
  t.log(`packer vmware-iso took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.log(vmwareCommands(dir).join("\n"));
  t.is(r.code, 0, r.out);
  t.regex(r.out, /Typing the boot command over VNC/);
  t.regex(r.out, /Compacting all attached virtual disks/);
  t.regex(r.out, /Builds finished. The artifacts of successful builds are:/);

  const out = readdirSync(join(dir, "out")).sort();
  t.true(out.includes("installed.vmx"), out.join(" "));
  t.true(out.includes("disk.vmdk"), out.join(" "));
  t.false(out.some((f) => f.endsWith(".lck")), out.join(" "));
  const vmx = readFileSync(join(dir, "out/installed.vmx"), "utf8");
  t.regex(vmx, /^ethernet0\.virtualdev = "vmxnet3"$/m);
  t.regex(vmx, /^ide0:0\.filename = "disk\.vmdk"$/m);
  t.regex(vmx, /^remotedisplay\.vnc\.enabled = "FALSE"$/m); // StepCleanVMX ran after the stand-in let go

  const record = parseInstallRecord(await firstSector(join(dir, "out/disk.vmdk"), dir));
  t.regex(record.cmdline, new RegExp(`(^| )kiln\\.marker=${marker}( |$)`));
  t.true(record.cmdline.includes(`kiln.url=http://${standIn.hostIp}:`), record.cmdline); // HTTPIP = dhcpd.conf's host vmnet8
  t.is(record.payload, `payload ${marker} from http_directory`);
  t.is(record.cd, `answer ${marker} from cd_files`);
  t.deepEqual(standIn.runningVms(), []);
  t.deepEqual(qemuProcessesUsing(dir), []);
});

packerTest("packer 1.6.6 vmware-vmx clones a VM of the base image, provisions it over SSH through the nat.conf forward on 127.0.0.1, and powers it off", async (t) => {
  t.timeout(10 * 60_000);
  const standIn = await vmwareStandIn(t);
  const dir = await workdir(t);
  await mkdir(join(dir, "source"));
  const source = await makeSourceVm(join(dir, "source"), await baseImage());
  const marker = randomBytes(6).toString("hex");
  const template = vmwareVmxTemplate({ sourcePath: source, outputDir: join(dir, "out"), sshPort: standIn.sshPort, marker, vmxData: standIn.vmxData });

  const started = Date.now();
  const r = await (await packerBuild(t, dir, template, standIn, 8 * 60_000)).done;
  t.log(`packer vmware-vmx took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.log(vmwareCommands(dir).join("\n"));
  t.is(r.code, 0, r.out);
  t.regex(r.out, new RegExp(`Using ssh communicator to connect: 127\\.0\\.0\\.1`));
  t.regex(r.out, /Gracefully halting virtual machine/);

  const out = readdirSync(join(dir, "out")).sort();
  t.true(out.includes("provisioned.vmx"), out.join(" "));
  t.true(out.includes("base-cl1.vmdk"), out.join(" "));
  const raw = join(dir, "out.raw");
  await run("qemu-img", ["convert", "-f", "vmdk", "-O", "raw", join(dir, "out/base-cl1.vmdk"), raw]);
  const { stdout } = await run("debugfs", ["-R", `cat ${VMX_MARKER_FILE}`, `${raw}?offset=${2048 * 512}`]);
  t.is(stdout.trim(), marker);
  t.deepEqual(standIn.runningVms(), []);
  t.deepEqual(qemuProcessesUsing(dir), []);
});

/** A VM the stand-in can power on without booting anything: an empty IDE disk, VNC with a password. */
async function emptyVm(dir: string, standIn: VmwareStandIn, extra: string[] = []): Promise<{ vmx: string; vncPort: number; release(): void }> {
  const disk = await standIn.run("vmware-vdiskmanager", ["-c", "-s", "16MB", "-a", "ide", "-t", "0", join(dir, "empty.vmdk")]);
  if (disk.code !== 0) throw new Error(`vmware-vdiskmanager -c: ${disk.stdout}${disk.stderr}`);
  const vnc = await leasePort(5900, 5999, "127.0.0.1", "stand-in test VNC");
  const vmx = join(dir, "empty.vmx");
  await writeFile(vmx, [
    `.encoding = "UTF-8"`, `displayName = "empty"`, `memsize = "64"`, `guestOS = "other"`,
    `ide0:0.present = "TRUE"`, `ide0:0.fileName = "empty.vmdk"`,
    `ethernet0.present = "TRUE"`, `ethernet0.connectionType = "nat"`, `ethernet0.virtualDev = "e1000"`, `ethernet0.addressType = "generated"`,
    `RemoteDisplay.vnc.enabled = "TRUE"`, `RemoteDisplay.vnc.port = "${vnc.port}"`, `RemoteDisplay.vnc.password = "k1lnPass"`,
    ...extra, "",
  ].join("\n"));
  return { vmx, vncPort: vnc.port, release: () => vnc.release() };
}

vmTest("the stand-in refuses a .vmx key it does not implement, naming every one, and starts nothing", async (t) => {
  const standIn = await vmwareStandIn(t);
  const dir = await workdir(t);
  const vm = await emptyVm(dir, standIn, [`sound.present = "TRUE"`, `kiln.unknownKey = "1"`, `ethernet1.present = "TRUE"`, `ethernet1.connectionType = "bridged"`, `ethernet1.virtualDev = "e1000"`]);
  t.teardown(vm.release);
  const r = await standIn.run("vmrun", ["-T", "ws", "start", vm.vmx, "nogui"]);
  t.is(r.code, 255);
  t.regex(r.stdout, /^Error: /);
  t.regex(r.stdout, /kiln\.unknownkey = "1" \(not implemented by Kiln's vmrun stand-in\)/);
  t.regex(r.stdout, /sound\.present = "TRUE": sound \(not implemented by Kiln's vmrun stand-in\)/);
  t.regex(r.stdout, /ethernet1\.connectiontype = "bridged": "bridged" networking \(not implemented by Kiln's vmrun stand-in\)/);
  t.deepEqual(standIn.runningVms(), []);
  t.deepEqual(qemuProcessesUsing(dir), []);
});

/** RFB 3.8 up to the security result, answering VNC authentication's challenge with 16 wrong bytes. */
function vncSecurity(port: number, deadlineMs: number): Promise<{ types: number[]; result: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const timer = setTimeout(() => { socket.destroy(); reject(new Error("VNC handshake timed out")); }, deadlineMs);
    let buf = Buffer.alloc(0);
    let stage = 0;
    let types: number[] = [];
    socket.on("error", (e) => { clearTimeout(timer); reject(e); });
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (stage === 0 && buf.length >= 12) {
        socket.write("RFB 003.008\n");
        buf = buf.subarray(12);
        stage = 1;
      }
      if (stage === 1 && buf.length >= 1 && buf.length >= 1 + buf[0]!) {
        types = [...buf.subarray(1, 1 + buf[0]!)];
        buf = buf.subarray(1 + buf[0]!);
        if (!types.includes(2)) { clearTimeout(timer); socket.destroy(); return resolve({ types, result: -1 }); }
        socket.write(Buffer.from([2]));
        stage = 2;
      }
      if (stage === 2 && buf.length >= 16) {
        socket.write(Buffer.alloc(16, 0x5a)); // not the DES of the challenge under the password
        buf = buf.subarray(16);
        stage = 3;
      }
      if (stage === 3 && buf.length >= 4) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ types, result: buf.readUInt32BE(0) });
      }
    });
  });
}

vmTest("two users of the fixture share /etc/vmware: each gets its own pinned MAC, address and 127.0.0.1 SSH forward", async (t) => {
  const a = await vmwareStandIn(t);
  const b = await vmwareStandIn(t);
  t.not(a.sshPort, b.sshPort);
  t.not(a.guestIp, b.guestIp);
  t.not(a.guestMac, b.guestMac);
  const dhcpd = readFileSync("/etc/vmware/vmnet8/dhcpd/dhcpd.conf", "utf8");
  const nat = readFileSync("/etc/vmware/vmnet8/nat/nat.conf", "utf8");
  for (const s of [a, b]) {
    t.true(dhcpd.includes(`hardware ethernet ${s.guestMac}; fixed-address ${s.guestIp};`), dhcpd);
    t.true(nat.includes(`${s.sshPort} = ${s.guestIp}:22`), nat);
  }
  t.regex(dhcpd, /^host vmnet8 \{$/m);
  t.true(existsSync("/etc/vmware/license-ws-kiln-stand-in"));
  t.is(readFileSync("/usr/lib/vmware/bin/vmware-vmx", "utf8").split("\n")[0], "#!/bin/sh");
});

vmTest("vmrun start/list/stop run a real QEMU: a generated MAC is recorded, the VNC console wants the password, stop hard leaves nothing", async (t) => {
  const standIn = await vmwareStandIn(t);
  const dir = await workdir(t);
  const vm = await emptyVm(dir, standIn);
  t.teardown(vm.release);

  const start = await standIn.run("vmrun", ["-T", "ws", "start", vm.vmx, "nogui"]);
  t.is(start.code, 0, start.stdout + start.stderr);
  t.regex((await standIn.run("vmrun", ["-T", "ws", "list"])).stdout, new RegExp(`^Total running VMs: 1\\n${vm.vmx.replace(/[.]/g, "\\.")}\\n$`));
  t.true(existsSync(`${vm.vmx}.lck`));
  t.regex(readFileSync(vm.vmx, "utf8"), /^ethernet0\.generatedAddress = "00:0c:29:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}"$/m);
  t.is(qemuProcessesUsing(dir).length, 1);
  // No pinned MAC: the guest's DHCP address is the first of vmnet8's range (no VMware Tools to ask).
  t.is((await standIn.run("vmrun", ["-T", "ws", "getGuestIPAddress", vm.vmx])).stdout, "172.16.154.128\n");
  const again = await standIn.run("vmrun", ["-T", "ws", "start", vm.vmx, "nogui"]);
  t.is(again.code, 255);
  t.regex(again.stdout, /already running/);

  const vnc = await vncSecurity(vm.vncPort, 10_000);
  t.deepEqual(vnc.types, [2]); // VNC authentication only: no "None"
  t.not(vnc.result, 0); // a wrong answer to the challenge is refused

  const stop = await standIn.run("vmrun", ["-T", "ws", "stop", vm.vmx, "hard"]);
  t.is(stop.code, 0, stop.stdout);
  t.is((await standIn.run("vmrun", ["-T", "ws", "list"])).stdout, "Total running VMs: 0\n");
  t.false(existsSync(`${vm.vmx}.lck`));
  t.deepEqual(qemuProcessesUsing(dir), []);
  const stopAgain = await standIn.run("vmrun", ["-T", "ws", "stop", vm.vmx, "hard"]);
  t.is(stopAgain.code, 255);
  t.regex(stopAgain.stdout, /not powered on/);
});

vmTest("vmware-vdiskmanager makes VMware's hosted disk types with qemu-img, refuses ESX types and other adapters, and compacts in place", async (t) => {
  const standIn = await vmwareStandIn(t);
  const dir = await workdir(t);
  const expected: Record<string, string> = { "0": "monolithicSparse", "1": "twoGbMaxExtentSparse", "2": "monolithicFlat", "5": "streamOptimized" };
  for (const [type, createType] of Object.entries(expected)) {
    const disk = join(dir, `t${type}.vmdk`);
    const r = await standIn.run("vmware-vdiskmanager", ["-c", "-s", "8M", "-a", "lsilogic", "-t", type, disk]);
    t.is(r.code, 0, r.stdout);
    t.regex(r.stdout, /Virtual disk creation successful/);
    const info = JSON.parse((await run("qemu-img", ["info", "--output=json", disk])).stdout) as { "virtual-size": number; "format-specific": { data: { "create-type": string } } };
    t.is(info["format-specific"].data["create-type"], createType);
    t.is(info["virtual-size"], 8 * 1024 * 1024);
    t.regex(readFileSync(disk).subarray(0, 64 * 1024).toString("latin1"), /ddb\.adapterType = "lsilogic"/);
  }
  const esx = await standIn.run("vmware-vdiskmanager", ["-c", "-s", "8M", "-a", "ide", "-t", "4", join(dir, "esx.vmdk")]);
  t.is(esx.code, 255);
  t.regex(esx.stdout, /ESX disk, \(not implemented by Kiln's vmrun stand-in\)/);
  const sata = await standIn.run("vmware-vdiskmanager", ["-c", "-s", "8M", "-a", "sata", "-t", "0", join(dir, "sata.vmdk")]);
  t.is(sata.code, 255);
  t.regex(sata.stdout, /Invalid adapter type "sata"/);

  // Compaction of the split type keeps its extents consistent (the descriptor names them).
  const split = join(dir, "t1.vmdk");
  for (const op of ["-d", "-k"]) {
    const r = await standIn.run("vmware-vdiskmanager", [op, split]);
    t.is(r.code, 0, r.stdout);
  }
  await run("qemu-img", ["check", "-f", "vmdk", split]);
  t.deepEqual(readdirSync(dir).filter((f) => f.startsWith("t1")).sort(), ["t1-s001.vmdk", "t1.vmdk"]);
});

vmTest("vmrun clone makes a full copy or a linked delta of each disk as <disk>-cl1.vmdk, and a new identity for the clone", async (t) => {
  const standIn = await vmwareStandIn(t);
  const dir = await workdir(t);
  const vm = await emptyVm(dir, standIn, [`ethernet0.generatedAddress = "00:0c:29:01:02:03"`, `uuid.bios = "56 4d 11 22 33 44 55 66-77 88 99 aa bb cc dd ee"`]);
  t.teardown(vm.release);
  for (const kind of ["full", "linked"]) {
    const clone = join(dir, kind, `${kind}.vmx`);
    const r = await standIn.run("vmrun", ["-T", "ws", "clone", vm.vmx, clone, kind]);
    t.is(r.code, 0, r.stdout);
    const vmx = readFileSync(clone, "utf8");
    t.regex(vmx, /^displayname = "Clone of empty"$/m);
    t.regex(vmx, /^ide0:0\.filename = "empty-cl1\.vmdk"$/m);
    t.notRegex(vmx, /generatedaddress|uuid\.bios/);
    const info = JSON.parse((await run("qemu-img", ["info", "--output=json", join(dir, kind, "empty-cl1.vmdk")])).stdout) as { "backing-filename"?: string };
    t.is(info["backing-filename"], kind === "linked" ? join(dir, "empty.vmdk") : undefined);
  }
  const again = await standIn.run("vmrun", ["-T", "ws", "clone", vm.vmx, join(dir, "full", "full.vmx"), "full"]);
  t.is(again.code, 255);
  t.regex(again.stdout, /already exists/);
});

packerTest("SIGINT to packer while it waits (boot_wait) stops the stand-in's VM: no QEMU is left running", async (t) => {
  t.timeout(6 * 60_000);
  const standIn = await vmwareStandIn(t);
  const iso = await installerIso();
  const dir = await workdir(t);
  await mkdir(join(dir, "http"));
  const template = vmwareIsoInstallTemplate({
    isoPath: iso, isoChecksum: "none", outputDir: join(dir, "out"), httpDir: join(dir, "http"), cdFiles: [], marker: "cancelled",
    bootWait: "10m",
  });
  delete (template.builders as Record<string, unknown>[])[0]!.cd_files;
  const build = await packerBuild(t, dir, template, standIn, 5 * 60_000);
  const deadline = Date.now() + 3 * 60_000;
  while (standIn.runningVms().length === 0 && build.child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  t.is(standIn.runningVms().length, 1, "the VM never started");
  t.is(qemuProcessesUsing(dir).length, 1);
  build.interrupt();
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([build.done.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 90_000)))]);
  clearTimeout(timer);
  if (!exited) {
    const log = existsSync(join(dir, "packer.log")) ? readFileSync(join(dir, "packer.log"), "utf8") : "";
    t.log(log.split("\n").slice(-40).join("\n"));
  }
  t.true(exited, "packer did not exit within 90 s of SIGINT");
  const r = await build.done;
  t.log(vmwareCommands(dir).join("\n"));
  t.not(r.code, 0);
  t.regex(r.out, /Build '.*' errored: Build was cancelled|Cancelling build/);
  t.deepEqual(standIn.runningVms(), []);
  t.deepEqual(qemuProcessesUsing(dir), []);
});
