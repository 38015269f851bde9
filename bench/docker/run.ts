/**
 * The docker builder against Packer 1.6.6: one template (commit + shell and file provisioners +
 * docker-tag) built by `kiln build` and `packer build`, alternated in one run on the same engine.
 * Checks both images hold the same provisioned files, then prints each run, the medians and the
 * ratio kiln/packer (goal: <= 0.7).
 *
 *   npm run build && node dist/bench/docker/run.js [runs]
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { useDockerEngine } from "../../test/fixtures/docker-engine.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kilnBin = join(repo, "bin/kiln.js");
const runs = Number(process.argv[2] ?? "5");

const packer = spawnSync("packer", ["version"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
if (packer.status !== 0) {
  console.error("packer is not installed (apt-get install -y packer): the baseline cannot be measured");
  process.exit(2);
}

const engine = await useDockerEngine();
const cwd = mkdtempSync(join(tmpdir(), "kiln-bench-docker-"));
const env = { ...process.env, DOCKER_HOST: engine.host, CHECKPOINT_DISABLE: "1", PACKER_TMP_DIR: join(cwd, "packer-tmp") };
mkdirSync(join(cwd, "payload/sub"), { recursive: true });
mkdirSync(env.PACKER_TMP_DIR, { recursive: true });
writeFileSync(join(cwd, "payload/sub/data.txt"), "payload data\n");
writeFileSync(join(cwd, "one.txt"), "one file\n");

function template(repository: string): string {
  return JSON.stringify({
    builders: [{
      type: "docker", image: engine.baseImage, pull: false, commit: true,
      changes: ["ENV BUILT=yes", "LABEL bench=docker"],
      run_command: ["-d", "-i", "-t", "--network=none", "--entrypoint=/bin/sh", "--", "{{.Image}}"],
    }],
    provisioners: [
      { type: "shell", inline: ["mkdir -p /opt", "echo provisioned > /etc/motd"] },
      { type: "file", source: "one.txt", destination: "/opt/one.txt" },
      { type: "file", source: "payload", destination: "/opt" },
    ],
    "post-processors": [[{ type: "docker-tag", repository, tags: ["bench"] }]],
  });
}

function timeOnce(cmd: string, args: string[], file: string, repository: string): number {
  writeFileSync(join(cwd, file), template(repository));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, [...args, file], { cwd, env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} build exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return ms;
}

function filesIn(image: string): string {
  const r = spawnSync("/usr/bin/docker", ["run", "--rm", "--network=none", "--pull=never", "--entrypoint=/bin/sh", image, "-c", "cat /etc/motd /opt/one.txt /opt/payload/sub/data.txt; echo $BUILT"], { env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`reading ${image} failed: ${r.stderr}`);
  return r.stdout;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

try {
  const kiln: number[] = [];
  const pk: number[] = [];
  for (let i = 0; i < runs; i++) {
    pk.push(timeOnce("packer", ["build", "-color=false"], "packer.json", "bench/packer"));
    kiln.push(timeOnce(process.execPath, [kilnBin, "build", "-color=false"], "kiln.json", "bench/kiln"));
    console.log(`run ${i + 1}: packer ${pk[i]!.toFixed(0)} ms, kiln ${kiln[i]!.toFixed(0)} ms`);
  }
  const fromPacker = filesIn("bench/packer:bench");
  const fromKiln = filesIn("bench/kiln:bench");
  if (fromPacker !== fromKiln) throw new Error(`the images differ:\npacker:\n${fromPacker}\nkiln:\n${fromKiln}`);
  console.log(`same files in both images: ${JSON.stringify(fromKiln)}`);
  const ratio = median(kiln) / median(pk);
  console.log(`median: packer ${median(pk).toFixed(0)} ms, kiln ${median(kiln).toFixed(0)} ms, ratio kiln/packer ${ratio.toFixed(2)} (goal <= 0.7)`);
} finally {
  for (const image of ["bench/packer:bench", "bench/kiln:bench"]) await engine.docker.getImage(image).remove({ force: true }).catch(() => undefined);
  rmSync(cwd, { recursive: true, force: true });
  await engine.stop();
}
