/**
 * Kiln's libvirt builder against Kiln's qemu builder: the same base image (the tests' Debian
 * qcow2, TCG, 512 MiB, 1 vCPU), an overlay on it, ssh root/packer through a loopback port
 * forward, the same shell provisioner, an ACPI/poweroff shutdown. Both `kiln build`, alternated in
 * one run so both see the same machine noise. libvirt adds a daemon hop (libvirtd starts QEMU),
 * which must not add boot time: goal libvirt/qemu <= 1.1x.
 *
 * Timed from outside, the same way for both builders: each stdout line is stamped with a
 * monotonic clock as it arrives.
 *   wall      = spawn of `kiln build` → its exit
 *   boot→SSH  = first output line → "Connected to SSH!" line
 * The libvirt builds run in a private directory pool (virsh pool-create-as), removed at the end.
 * Needs root and libvirtd installed (.ci/libvirt-setup.sh); exits 2 when it cannot run.
 *
 *   npm run build && node dist/bench/libvirt/run.js [runs=3]
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { baseImage } from "../../test/fixtures/base-image.js";
import { ensureLibvirtd, LIBVIRT_URI, libvirtUnavailable, testPool, virsh, type TestPool } from "../../test/fixtures/libvirtd.js";
import { kiln, qemuBuilder, workspace } from "../../test/agent/builders/qemu-harness.js";

type Tool = "qemu" | "libvirt";

interface RunTimes {
  wallMs: number;
  bootToSshMs: number;
}

const runs = Number(process.argv[2] ?? "3");
if (!Number.isInteger(runs) || runs < 1) {
  console.error("usage: node dist/bench/libvirt/run.js [runs=3]");
  process.exit(2);
}
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

/** Runs `kiln build` in `dir`, stamping each output line; SIGINT at the deadline, SIGKILL 30 s on. */
function buildOnce(tool: Tool, run: number, dir: string): Promise<RunTimes> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const lines: { atMs: number; text: string }[] = [];
    const child = spawn(process.execPath, [kiln, "build", "-color=false", "template.json"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
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
const times: Record<Tool, RunTimes[]> = { qemu: [], libvirt: [] };
let exitCode = 0;
try {
  console.log(`base image ${base}; libvirt pool ${pool.name} (${LIBVIRT_URI}, domain type qemu); ${runs} runs per builder, alternated`);
  for (let i = 0; i < runs; i++) {
    // Alternate which builder goes first so neither always gets the warmer page cache.
    const order: Tool[] = i % 2 === 0 ? ["qemu", "libvirt"] : ["libvirt", "qemu"];
    for (const tool of order) {
      const dir = workspace(tool === "qemu" ? qemuTemplate(base) : libvirtTemplate(base, pool, i));
      dirs.push(dir);
      try {
        const r = await buildOnce(tool, i, dir);
        times[tool].push(r);
        console.log(`run ${i + 1} ${tool.padEnd(7)}: wall ${s(r.wallMs)} s, boot→SSH ${s(r.bootToSshMs)} s`);
      } finally {
        if (tool === "libvirt") await virsh("vol-delete", "--pool", pool.name, artifactName(i)).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  for (const tool of ["qemu", "libvirt"] as Tool[]) {
    console.log(`\n${tool}:`);
    console.log(`  run   wall s   boot→SSH s`);
    times[tool].forEach((r, i) => console.log(`  ${String(i + 1).padStart(3)}  ${s(r.wallMs).padStart(7)}  ${s(r.bootToSshMs).padStart(11)}`));
    console.log(`  med  ${s(median(times[tool].map((r) => r.wallMs))).padStart(7)}  ${s(median(times[tool].map((r) => r.bootToSshMs))).padStart(11)}`);
  }
  const ratio = (key: keyof RunTimes): string => (median(times.libvirt.map((r) => r[key])) / median(times.qemu.map((r) => r[key]))).toFixed(2);
  console.log(`\nratio libvirt/qemu (wall, median): ${ratio("wallMs")}x (goal <= 1.1x)`);
  console.log(`ratio libvirt/qemu (boot→SSH, median): ${ratio("bootToSshMs")}x (goal <= 1.1x)`);
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
}
process.exit(exitCode);
