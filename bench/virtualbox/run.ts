/**
 * Kiln's VirtualBox builders against packer 1.6.6's, on the same templates and the same
 * VBoxManage stand-in (test/stand-ins/virtualbox: every VM a real QEMU guest, TCG here), builds
 * alternated in one run so both see the same machine noise:
 *   iso: the tests' virtualbox-iso template (installer ISO, scancode boot command, http fetch,
 *        the guest powers itself off, export to OVF);
 *   ovf: the tests' virtualbox-ovf template (import the base image's OVF, SSH through the NAT
 *        forward, a shell provisioner, shutdown_command, export).
 * Wall time = spawn of `kiln build` / `packer build` → exit. Medians and the ratio Kiln/packer
 * (goal <= 0.85x). Exits 2 when QEMU or packer is missing.
 *
 *   npm run build && node dist/bench/virtualbox/run.js [runs=3] [iso|ovf|both]
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installerIso } from "../../test/fixtures/installer-iso.js";
import { KILN_BIN } from "../../test/fixtures/kiln-cli.js";
import { baseImageOvf, virtualBoxStandIn } from "../../test/fixtures/virtualbox-stand-in.js";
import { virtualboxIsoTemplate, virtualboxOvfTemplate } from "../../test/agent/builders/virtualbox-templates.js";

const PACKER = "/usr/bin/packer";
const runs = Number(process.argv[2] ?? "3");
const which = process.argv[3] ?? "both";
if (!Number.isInteger(runs) || runs < 1 || !["iso", "ovf", "both"].includes(which)) {
  console.error("usage: node dist/bench/virtualbox/run.js [runs=3] [iso|ovf|both]");
  process.exit(2);
}
const onPath = (name: string): boolean => (process.env.PATH ?? "").split(":").some((d) => d && existsSync(join(d, name)));
const missing = [...["qemu-system-x86_64", "qemu-img"].filter((p) => !onPath(p)), ...(existsSync(PACKER) ? [] : [PACKER])];
if (missing.length) {
  console.error(`virtualbox bench cannot run: ${missing.join(", ")} not found`);
  process.exit(2);
}

type Tool = "kiln" | "packer";
const DEADLINE_MS = 15 * 60_000;

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** One build in a fresh folder and a fresh VirtualBox home; resolves with its wall time. */
async function timeBuild(tool: Tool, template: (dir: string) => Promise<unknown>): Promise<number> {
  const teardowns: (() => unknown)[] = [];
  try {
    const s = await virtualBoxStandIn({ teardown: (fn) => teardowns.push(fn) });
    const dir = await mkdtemp(join(tmpdir(), `kiln-bench-vbox-${tool}-`));
    teardowns.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "template.json"), JSON.stringify(await template(dir)));
    const [file, args] = tool === "kiln" ? [process.execPath, [KILN_BIN, "build", "-color=false", "template.json"]] : [PACKER, ["build", "-color=false", "template.json"]];
    const env = { ...s.env, CHECKPOINT_DISABLE: "1", PACKER_CACHE_DIR: join(dir, "cache"), KILN_CACHE_DIR: join(dir, "cache") };
    const started = performance.now();
    const child = spawn(file, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), DEADLINE_MS);
    const status = await new Promise<number | null>((ok) => child.on("close", ok));
    clearTimeout(timer);
    const ms = performance.now() - started;
    if (status !== 0) throw new Error(`${tool} build failed (exit ${status}):\n${out.slice(-3000)}`);
    return ms;
  } finally {
    for (const fn of teardowns.reverse()) await fn();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function bench(name: string, template: (dir: string) => Promise<unknown>): Promise<void> {
  const times: Record<Tool, number[]> = { kiln: [], packer: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate who goes first, so neither always gets the warmer machine.
    for (const tool of (i % 2 === 0 ? ["kiln", "packer"] : ["packer", "kiln"]) as Tool[]) {
      const ms = await timeBuild(tool, template);
      times[tool].push(ms);
      console.log(`${name} run ${i + 1}: ${tool.padEnd(6)} ${(ms / 1000).toFixed(1)} s`);
    }
  }
  const k = median(times.kiln);
  const p = median(times.packer);
  console.log(`${name}: median kiln ${(k / 1000).toFixed(1)} s, packer ${(p / 1000).toFixed(1)} s, ratio kiln/packer ${(k / p).toFixed(2)}x (goal <= 0.85x)`);
}

const iso = await installerIso();
const isoSha256 = await sha256Of(iso);
if (which !== "ovf") {
  await bench("virtualbox-iso", async (dir) => {
    await mkdir(join(dir, "http"));
    await writeFile(join(dir, "http/payload.txt"), "bench payload\n");
    return virtualboxIsoTemplate({ isoPath: iso, isoSha256, outputDir: join(dir, "out"), httpDir: join(dir, "http"), marker: "bench" });
  });
}
if (which !== "iso") {
  const source = await baseImageOvf();
  await bench("virtualbox-ovf", async (dir) => virtualboxOvfTemplate({ sourcePath: source, outputDir: join(dir, "out"), markerPath: "/root/kiln-bench", marker: "bench" }));
}
