/**
 * The qemu builder against Packer 1.6.6: one disk_image template (the test base image, TCG, a
 * shell provisioner writing a marker, ssh root/packer, shutdown_command poweroff) built by
 * `packer build` and `kiln build`, alternated in one run so both see the same machine noise.
 * Variants: `backing` (use_backing_file, an overlay on the base), `copy` (the base copied,
 * then compacted by qemu-img convert), and `warm`: the copy template, Kiln with `-warm` (its
 * snapshot saved by one uncounted build first) against Packer's cold boot (goal <= 0.25x).
 *
 * Phases are timed from outside, the same way for both tools: each stdout line is stamped with
 * a monotonic clock as it arrives (finer than -timestamp-ui, which has whole seconds), and the
 * QEMU process of the build is watched in /proc every 50 ms:
 *   boot→SSH   = QEMU process appears → "Connected to SSH!" line
 *   shutdown   = "Gracefully halting virtual machine..." line → QEMU process gone
 * After the last run of each tool and variant, the produced image is booted (-snapshot, so it
 * stays as built) and the marker is read back over SSH.
 *
 *   npm run build && node dist/bench/qemu/run.js [runs=3] [backing|copy|warm|both|all=both]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { leasePort } from "../../agent/builders/common/host-ports.js";
import { baseImage } from "../../test/fixtures/base-image.js";
import { qemuBuilder, sshExec } from "../../test/agent/builders/qemu-harness.js";

type Tool = "packer" | "kiln";
type Variant = "backing" | "copy" | "warm";

interface RunTimes {
  wallMs: number;
  bootToSshMs: number;
  shutdownMs: number;
  /**
   * CPU time QEMU used until "Connected to SSH!" (user + system, all threads): the guest's boot
   * work, which unlike wall time hardly depends on what else the machine runs.
   */
  bootCpuMs: number;
  /** Output lines with their arrival time since the start (ms), for the step profile. */
  lines: { atMs: number; text: string }[];
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kilnBin = join(repo, "bin/kiln.js");
const runs = Number(process.argv[2] ?? "3");
const variantArg = process.argv[3] ?? "both";
if (!Number.isInteger(runs) || runs < 1 || !["backing", "copy", "warm", "both", "all"].includes(variantArg)) {
  console.error("usage: node dist/bench/qemu/run.js [runs=3] [backing|copy|warm|both|all]");
  process.exit(2);
}
const variants: Variant[] = variantArg === "both" ? ["backing", "copy"] : variantArg === "all" ? ["backing", "copy", "warm"] : [variantArg as Variant];
const MARKER = "/etc/bench-marker";

const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
const packerVersion = spawnSync("packer", ["version"], { encoding: "utf8", env });
if (packerVersion.status !== 0) {
  console.error("packer is not installed (apt-get install -y packer): the baseline cannot be measured");
  process.exit(2);
}

const base = await baseImage();
const cwd = mkdtempSync(join(tmpdir(), "kiln-bench-qemu-"));
// Kiln's warm snapshots live here, so every bench run starts without one.
env.KILN_CACHE_DIR = join(cwd, "cache");

/** The same template for both tools. */
function template(tool: Tool, variant: Variant, out: string): string {
  return JSON.stringify({
    // The qemu tests' builder block (disk_image on the base, ssh root/packer, poweroff), sized
    // as the vm-lab notes measured Packer.
    builders: [qemuBuilder(base, {
      format: "qcow2",
      disk_size: "4096M",
      ...(variant === "backing"
        // Packer 1.6.6 creates the overlay without a backing format, which QEMU 7 refuses (vm-lab.md §3).
        ? { use_backing_file: true, qemu_img_args: { create: ["-F", "qcow2"] } }
        : {}),
      memory: 1024,
      cpus: 2,
      net_device: "virtio-net",
      disk_interface: "virtio",
      vnc_bind_address: "127.0.0.1",
      host_port_min: 23000,
      host_port_max: 23499,
      output_directory: out,
    })],
    provisioners: [{ type: "shell", inline: [`echo "built by ${tool} ${variant}" > ${MARKER}`, "sync"] }],
  });
}

/** User + system CPU time of a process so far, in ms (0 once it is gone). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks at USER_HZ 100
  } catch {
    return 0;
  }
}

/** PIDs of qemu-system processes whose command line names `needle`. */
function qemuPids(needle: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      // argv[0] is "qemu-system-…" or a full path to it, depending on who started it.
      if (/(^|\/)qemu-system-[^/\0]*\0/.test(cmd) && cmd.includes(needle)) found.push(Number(pid));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

function buildOnce(tool: Tool, variant: Variant, tag: string): Promise<RunTimes & { disk: string }> {
  const out = join(cwd, `out-${tag}`);
  const file = join(cwd, `${tag}.json`);
  writeFileSync(file, template(tool, variant, out));
  const [cmd, args] = tool === "packer"
    ? ["packer", ["build", "-color=false", file]]
    : [process.execPath, [kilnBin, "build", "-color=false", ...(variant === "warm" ? ["-warm"] : []), file]];
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const lines: RunTimes["lines"] = [];
    let qemuUp: number | undefined;
    let qemuGone: number | undefined;
    let qemuPid: number | undefined;
    let bootCpuMs: number | undefined;
    const watch = setInterval(() => {
      const pids = qemuPids(out);
      const running = pids.length > 0;
      if (running && qemuUp === undefined) {
        qemuUp = performance.now() - t0;
        qemuPid = pids[0];
      }
      if (!running && qemuUp !== undefined && qemuGone === undefined) qemuGone = performance.now() - t0;
    }, 50);
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on("line", (text) => {
      lines.push({ atMs: performance.now() - t0, text });
      if (qemuPid !== undefined && bootCpuMs === undefined && text.includes("Connected to SSH!")) bootCpuMs = cpuMs(qemuPid);
    });
    child.on("close", (status) => {
      const wallMs = performance.now() - t0;
      clearInterval(watch);
      // The tool can exit within one watch tick of QEMU: then QEMU ended before the tool did.
      if (qemuUp !== undefined && qemuGone === undefined && qemuPids(out).length === 0) qemuGone = wallMs;
      const at = (re: RegExp): number | undefined => lines.find((l) => re.test(l.text))?.atMs;
      const connected = at(/Connected to SSH!/);
      const halting = at(/Gracefully halting virtual machine/);
      if (status !== 0 || qemuUp === undefined || qemuGone === undefined || connected === undefined || halting === undefined) {
        fail(new Error(`${tool} build (${variant}) exited ${status} or its phases were not seen (qemu up ${qemuUp}, gone ${qemuGone}, connected ${connected}, halting ${halting}):\n${lines.map((l) => l.text).join("\n")}\n${stderr}`));
        return;
      }
      done({ wallMs, bootToSshMs: connected - qemuUp, shutdownMs: qemuGone - halting, bootCpuMs: bootCpuMs ?? NaN, lines, disk: join(out, "built.qcow2") });
    });
  });
}

/** Boots `disk` without changing it and reads the marker over SSH. */
async function readMarker(disk: string): Promise<string> {
  const lease = await leasePort(23500, 23999, "127.0.0.1", "bench ssh");
  const port = lease.port;
  const qemu = spawn("qemu-system-x86_64", [
    "-machine", "pc,accel=tcg", "-m", "1024", "-smp", "2", "-display", "none", "-snapshot",
    "-drive", `file=${disk},if=virtio,format=qcow2`,
    "-netdev", `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`, "-device", "virtio-net-pci,netdev=n0",
  ], { stdio: "ignore" });
  try {
    return (await sshExec(port, `cat ${MARKER}`, 300_000)).trim();
  } finally {
    qemu.kill("SIGKILL");
    lease.release();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const s = (ms: number): string => (ms / 1000).toFixed(2);

/** The build's own UI lines, each with its arrival time: where the time goes, step by step. */
function profile(tool: Tool, r: RunTimes): void {
  console.log(`  ${tool} step profile (s since start):`);
  for (const l of r.lines) if (/==>|Build '/.test(l.text)) console.log(`    ${s(l.atMs).padStart(6)}  ${l.text.trim()}`);
}

try {
  console.log(`${packerVersion.stdout.trim()}; base image ${base}; ${runs} runs per tool and variant, alternated`);
  for (const variant of variants) {
    const times: Record<Tool, RunTimes[]> = { packer: [], kiln: [] };
    if (variant === "warm") {
      const saving = await buildOnce("kiln", "warm", "kiln-warm-save");
      console.log(`warm: the uncounted build that saved the snapshot took ${s(saving.wallMs)} s`);
    }
    for (let i = 0; i < runs; i++) {
      // Alternate which tool goes first so neither always gets the warmer cache.
      const order: Tool[] = i % 2 === 0 ? ["packer", "kiln"] : ["kiln", "packer"];
      for (const tool of order) {
        const r = await buildOnce(tool, variant, `${tool}-${variant}-${i}`);
        times[tool].push(r);
        console.log(`${variant} run ${i + 1} ${tool.padEnd(6)}: wall ${s(r.wallMs)} s, boot→SSH ${s(r.bootToSshMs)} s (QEMU CPU ${s(r.bootCpuMs)} s), shutdown ${s(r.shutdownMs)} s`);
        if (i === runs - 1) {
          const marker = await readMarker(r.disk);
          if (marker !== `built by ${tool} ${variant}`) throw new Error(`${tool} ${variant}: the built image carries "${marker}", not the provisioned marker`);
          console.log(`  ${tool} ${variant}: the output image boots and carries "${marker}"`);
          profile(tool, r);
        }
      }
    }
    const m = (tool: Tool, key: "wallMs" | "bootToSshMs" | "shutdownMs" | "bootCpuMs"): number => median(times[tool].map((r) => r[key]));
    console.log(`${variant} medians: packer wall ${s(m("packer", "wallMs"))} s (boot→SSH ${s(m("packer", "bootToSshMs"))}, QEMU CPU to SSH ${s(m("packer", "bootCpuMs"))}, shutdown ${s(m("packer", "shutdownMs"))}); ` +
      `kiln wall ${s(m("kiln", "wallMs"))} s (boot→SSH ${s(m("kiln", "bootToSshMs"))}, QEMU CPU to SSH ${s(m("kiln", "bootCpuMs"))}, shutdown ${s(m("kiln", "shutdownMs"))})`);
    console.log(`${variant} ratio kiln/packer: ${(m("kiln", "wallMs") / m("packer", "wallMs")).toFixed(2)}x (goal <= ${variant === "warm" ? "0.25x, Kiln warm vs Packer cold" : "0.85x"})`);
  }
} finally {
  rmSync(cwd, { recursive: true, force: true });
}
