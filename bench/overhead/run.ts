/**
 * Fixed cost of a build: the same null + shell-local template through `kiln build` and
 * `packer build` (1.6.6), alternated in one run so both see the same machine noise. Prints each
 * run, the medians and the ratio kiln/packer (goal: <= 1.0).
 *
 *   npm run build && node dist/bench/overhead/run.js [runs]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const template = join(repo, "bench/overhead/template.json");
const runs = Number(process.argv[2] ?? "15");

function timeOnce(cmd: string, args: string[], cwd: string): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, CHECKPOINT_DISABLE: "1" }, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  if (!r.stdout.includes("hello from overhead")) throw new Error(`${cmd}: the shell-local provisioner did not run:\n${r.stdout}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const packer = spawnSync("packer", ["version"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
if (packer.status !== 0) {
  console.error("packer is not installed (apt-get install -y packer): the baseline cannot be measured");
  process.exit(2);
}
const cwd = mkdtempSync(join(tmpdir(), "kiln-bench-overhead-"));
try {
  const kiln: number[] = [];
  const pk: number[] = [];
  // One warm-up each: page cache, first-run costs.
  timeOnce(process.execPath, [join(repo, "bin/kiln.js"), "build", "-color=false", template], cwd);
  timeOnce("packer", ["build", "-color=false", template], cwd);
  for (let i = 0; i < runs; i++) {
    kiln.push(timeOnce(process.execPath, [join(repo, "bin/kiln.js"), "build", "-color=false", template], cwd));
    pk.push(timeOnce("packer", ["build", "-color=false", template], cwd));
  }
  const mk = median(kiln);
  const mp = median(pk);
  console.log(`runs: ${runs} each, alternated (${packer.stdout.trim()})`);
  console.log(`kiln   build: median ${mk.toFixed(1)} ms  [${kiln.map((x) => x.toFixed(0)).join(" ")}]`);
  console.log(`packer build: median ${mp.toFixed(1)} ms  [${pk.map((x) => x.toFixed(0)).join(" ")}]`);
  console.log(`ratio kiln/packer: ${(mk / mp).toFixed(2)}x (goal <= 1.00x)`);
} finally {
  rmSync(cwd, { recursive: true, force: true });
}
