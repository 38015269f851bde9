/**
 * `kiln validate` against `packer validate` (1.6.6) on the same 221-line HCL2 template
 * (bench/hcl-parse/template.pkr.hcl: variables, locals, several sources, a build with
 * provisioners and post-processors), alternated in one run so both see the same machine noise.
 * Prints each run, the medians and the ratio kiln/packer (goal: <= 1.0).
 *
 *   npm run build && node dist/bench/hcl-validate/run.js [runs]
 */
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const folder = join(repo, "bench/hcl-parse");
const template = "template.pkr.hcl";
const runs = Number(process.argv[2] ?? "15");

function timeOnce(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: folder, env: { ...process.env, CHECKPOINT_DISABLE: "1" }, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // Both must find the template valid, or the comparison is of two different jobs.
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
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
const kiln: number[] = [];
const peer: number[] = [];
// One of each first, untimed: both read their binaries from a cold page cache otherwise.
timeOnce(process.execPath, [join(repo, "bin/kiln.js"), "validate", template]);
timeOnce("packer", ["validate", template]);
for (let i = 0; i < runs; i++) {
  const k = timeOnce(process.execPath, [join(repo, "bin/kiln.js"), "validate", template]);
  const p = timeOnce("packer", ["validate", template]);
  kiln.push(k);
  peer.push(p);
  console.log(`run ${String(i + 1).padStart(2)}: kiln ${k.toFixed(0).padStart(5)} ms   packer ${p.toFixed(0).padStart(5)} ms`);
}
const mk = median(kiln);
const mp = median(peer);
console.log(`\nmedian over ${runs} runs: kiln validate ${mk.toFixed(0)} ms, packer validate ${mp.toFixed(0)} ms, ratio kiln/packer ${(mk / mp).toFixed(2)}x (goal <= 1.0)`);
