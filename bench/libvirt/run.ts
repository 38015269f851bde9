/**
 * Kiln's libvirt builder against Kiln's qemu builder: the same base image (the tests' Debian
 * qcow2, TCG, 512 MiB, 1 vCPU), an overlay on it, ssh root/packer through a loopback port
 * forward, the same shell provisioner, an ACPI/poweroff shutdown. Both `kiln build`, alternated in
 * one run so both see the same machine noise. libvirt adds a daemon hop (libvirtd starts QEMU),
 * which must not add boot time: goal libvirt/qemu <= 1.1x.
 *
 * The `warm` variant instead times, alternated in one run: libvirt with `-warm` (restoring a
 * snapshot saved by one uncounted build first), libvirt cold, and Packer 1.6.6's qemu builder cold
 * on the same base image and VM shape (a copy of the image, as Packer 1.6.6's overlay lacks the
 * backing format QEMU 7 wants), and prints each median and the ratios warm/cold and warm/packer.
 *
 * Timed from outside, the same way for both builders: each stdout line is stamped with a
 * monotonic clock as it arrives.
 *   wall      = spawn of `kiln build` → its exit
 *   boot→SSH  = first output line → "Connected to SSH!" line
 * The libvirt builds run in a private directory pool (virsh pool-create-as), removed at the end.
 * Needs root and libvirtd installed (.ci/libvirt-setup.sh); exits 2 when it cannot run.
 *
 *   npm run build && node dist/bench/libvirt/run.js [runs=3] [cold|warm=cold]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { baseImage } from "../../test/fixtures/base-image.js";
import { ensureLibvirtd, LIBVIRT_URI, libvirtUnavailable, testPool, virsh, type TestPool } from "../../test/fixtures/libvirtd.js";
import { kiln, qemuBuilder, workspace } from "../../test/agent/builders/qemu-harness.js";

type Tool = "qemu" | "libvirt" | "libvirt-warm" | "packer-qemu";

interface RunTimes {
  wallMs: number;
  bootToSshMs: number;
}

const runs = Number(process.argv[2] ?? "3");
const variant = process.argv[3] ?? "cold";
if (!Number.isInteger(runs) || runs < 1 || !["cold", "warm"].includes(variant)) {
  console.error("usage: node dist/bench/libvirt/run.js [runs=3] [cold|warm]");
  process.exit(2);
}
const benchEnv: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: "1" };
if (variant === "warm" && spawnSync("packer", ["version"], { env: benchEnv }).status !== 0) {
  console.error("packer is not installed: the warm variant's baseline cannot be measured");
  process.exit(2);
}
// The warm snapshots of this run only: it starts without one, and leaves none.
const warmCache = mkdtempSync(join(tmpdir(), "kiln-bench-libvirt-cache-"));
benchEnv.KILN_CACHE_DIR = warmCache;
const unavailable = libvirtUnavailable();
if (unavailable) {
  console.error(`libvirt bench cannot run: ${unavailable}`);
  process.exit(2);
}
const DEADLINE_MS = 10 * 60_000;
const PROVISIONER = { type: "shell", inline: ["echo bench > /etc/kiln-bench", "sync"] };

/** The qemu tests' builder block: disk_image on the base as an overlay, ssh root/packer, poweroff. */
function qemuTemplate(base: string): unknown {
  return {
    // output_directory "out": inside the build's own workspace.
    builders: [qemuBuilder(base, { use_backing_file: true, host_port_min: 28000, host_port_max: 28499 })],
    provisioners: [PROVISIONER],
  };
}

/** The libvirt tests' builder block: a backing-store overlay on the base in `pool`, a user-mode forward. */
function libvirtTemplate(base: string, pool: TestPool, i: number): unknown {
  return {
    builders: [{
      type: "libvirt",
      libvirt_uri: LIBVIRT_URI,
      domain_type: "qemu",
      domain_name: `kiln-bench-${process.pid}-${i}`,
      memory: 512,
      network_interface: [{ type: "user", alias: "communicator" }],
      network_address_source: "agent",
      communicator: { communicator: "ssh", ssh_username: "root", ssh_password: "packer", ssh_timeout: "5m" },
      volume: [
        { alias: "artifact", pool: pool.name, name: artifactName(i), bus: "virtio", capacity: "3G", source: { type: "backing-store", path: base } },
        { pool: pool.name, bus: "sata", source: { type: "cloud-init", user_data: "#cloud-config\n{}\n" } },
      ],
      ssh_host_port_min: 28500,
      ssh_host_port_max: 28999,
      shutdown_mode: "acpi",
      shutdown_timeout: "2m",
    }],
    provisioners: [PROVISIONER],
  };
}

const artifactName = (i: number): string => `built-${i}.qcow2`;

class BuildFailed extends Error {
  constructor(readonly tool: Tool, readonly run: number, message: string, readonly output: string[]) {
    super(message);
  }
}

/** Packer's qemu builder on the same base and VM shape as the libvirt template (a copy of the image, no overlay). */
function packerTemplate(base: string): unknown {
  return {
    builders: [qemuBuilder(base, { host_port_min: 28000, host_port_max: 28499, net_device: "virtio-net", disk_interface: "virtio", vnc_bind_address: "127.0.0.1" })],
    provisioners: [PROVISIONER],
  };
}

/** Runs the tool's build in `dir`, stamping each output line; SIGINT at the deadline, SIGKILL 30 s on. */
function buildOnce(tool: Tool, run: number, dir: string): Promise<RunTimes> {
  const [cmd, args] = tool === "packer-qemu"
    ? ["packer", ["build", "-color=false", "template.json"]]
    : [process.execPath, [kiln, "build", "-color=false", ...(tool === "libvirt-warm" ? ["-warm"] : []), "template.json"]];
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const lines: { atMs: number; text: string }[] = [];
    const child = spawn(cmd, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: benchEnv });
    let timedOut = false;
    let kill: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      timedOut = true;
      child.kill("SIGINT");
      kill = setTimeout(() => child.kill("SIGKILL"), 30_000);
    }, DEADLINE_MS);
    const stamp = (text: string): void => void lines.push({ atMs: performance.now() - t0, text });
    createInterface({ input: child.stdout }).on("line", stamp);
    createInterface({ input: child.stderr }).on("line", (l) => stamp(`stderr: ${l}`));
    child.on("close", (status) => {
      const wallMs = performance.now() - t0;
      clearTimeout(deadline);
      clearTimeout(kill);
      const first = lines.find((l) => !l.text.startsWith("stderr: "))?.atMs;
      const connected = lines.find((l) => l.text.includes("Connected to SSH!"))?.atMs;
      if (status !== 0 || timedOut || first === undefined || connected === undefined) {
        const why = timedOut ? `did not finish within ${DEADLINE_MS / 60_000} min` : `exited ${status}${connected === undefined ? ", no \"Connected to SSH!\" line" : ""}`;
        fail(new BuildFailed(tool, run, `${tool} build (run ${run + 1}) ${why}`, lines.map((l) => l.text)));
        return;
      }
      done({ wallMs, bootToSshMs: connected - first });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const s = (ms: number): string => (ms / 1000).toFixed(2);

await ensureLibvirtd();
const base = await baseImage();
const pool = await testPool("bench");
const dirs: string[] = [];
const times: Record<Tool, RunTimes[]> = { qemu: [], libvirt: [], "libvirt-warm": [], "packer-qemu": [] };
const tools: Tool[] = variant === "warm" ? ["libvirt-warm", "libvirt", "packer-qemu"] : ["qemu", "libvirt"];
let exitCode = 0;
let built = 0;

async function timeOne(tool: Tool, run: number): Promise<RunTimes> {
  const n = built++;
  const dir = workspace(tool === "qemu" ? qemuTemplate(base) : tool === "packer-qemu" ? packerTemplate(base) : libvirtTemplate(base, pool, n));
  dirs.push(dir);
  try {
    return await buildOnce(tool, run, dir);
  } finally {
    if (tool.startsWith("libvirt")) await virsh("vol-delete", "--pool", pool.name, artifactName(n)).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  console.log(`base image ${base}; libvirt pool ${pool.name} (${LIBVIRT_URI}, domain type qemu); ${runs} runs per tool (${tools.join(", ")}), alternated`);
  if (variant === "warm") {
    const saving = await timeOne("libvirt-warm", -1);
    console.log(`the uncounted libvirt -warm build that saved the snapshot: wall ${s(saving.wallMs)} s, boot→SSH ${s(saving.bootToSshMs)} s`);
  }
  for (let i = 0; i < runs; i++) {
    // Rotate which tool goes first so none always gets the warmer page cache.
    const order = tools.map((_, k) => tools[(k + i) % tools.length]!);
    for (const tool of order) {
      const r = await timeOne(tool, i);
      times[tool].push(r);
      console.log(`run ${i + 1} ${tool.padEnd(12)}: wall ${s(r.wallMs)} s, boot→SSH ${s(r.bootToSshMs)} s`);
    }
  }
  for (const tool of tools) {
    console.log(`\n${tool}:`);
    console.log(`  run   wall s   boot→SSH s`);
    times[tool].forEach((r, i) => console.log(`  ${String(i + 1).padStart(3)}  ${s(r.wallMs).padStart(7)}  ${s(r.bootToSshMs).padStart(11)}`));
    console.log(`  med  ${s(median(times[tool].map((r) => r.wallMs))).padStart(7)}  ${s(median(times[tool].map((r) => r.bootToSshMs))).padStart(11)}`);
  }
  const ratio = (a: Tool, b: Tool, key: keyof RunTimes): string => (median(times[a].map((r) => r[key])) / median(times[b].map((r) => r[key]))).toFixed(2);
  if (variant === "warm") {
    for (const against of ["libvirt", "packer-qemu"] as Tool[]) {
      console.log(`\nratio libvirt-warm/${against} (wall, median): ${ratio("libvirt-warm", against, "wallMs")}x`);
      console.log(`ratio libvirt-warm/${against} (boot→SSH, median): ${ratio("libvirt-warm", against, "bootToSshMs")}x`);
    }
  } else {
    console.log(`\nratio libvirt/qemu (wall, median): ${ratio("libvirt", "qemu", "wallMs")}x (goal <= 1.1x)`);
    console.log(`ratio libvirt/qemu (boot→SSH, median): ${ratio("libvirt", "qemu", "bootToSshMs")}x (goal <= 1.1x)`);
  }
} catch (e) {
  exitCode = 1;
  if (e instanceof BuildFailed) {
    console.error(`${e.message}; its output, last 40 lines:\n${e.output.slice(-40).join("\n")}`);
  } else {
    console.error(e);
  }
} finally {
  await pool.remove();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  rmSync(warmCache, { recursive: true, force: true });
}
process.exit(exitCode);
