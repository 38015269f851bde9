import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDirSync } from "../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kiln = join(repo, "bin/kiln.js");

function workspace(template: unknown): string {
  const dir = tempDirSync("kiln-cli-build-");
  writeFileSync(join(dir, "template.json"), JSON.stringify(template, null, 2));
  return dir;
}

function kilnBuild(dir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [kiln, "build", "-color=false", ...args, "template.json"], { cwd: dir, encoding: "utf8", timeout: 180_000, killSignal: "SIGKILL" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("file + null builds with shell-local, manifest, checksum and compress produce Packer's report and real files", (t) => {
  const dir = workspace({
    variables: { who: "world" },
    builders: [
      { type: "file", name: "greeting", content: "hello {{user `who`}}\n", target: "greeting.txt" },
      { type: "null", name: "local", communicator: "none" },
    ],
    provisioners: [{ type: "shell-local", only: ["local"], inline: ["echo provisioned {{build_name}} > provisioned.txt"] }],
    "post-processors": [
      [{ type: "checksum", only: ["greeting"], checksum_types: ["sha256"], output: "{{.BuildName}}.sha256" }, { type: "manifest" }],
    ],
  });
  const r = kilnBuild(dir);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.is(readFileSync(join(dir, "greeting.txt"), "utf8"), "hello world\n");
  t.is(readFileSync(join(dir, "provisioned.txt"), "utf8"), "provisioned local\n");
  t.regex(r.stdout, /Build 'greeting' finished after .*\./);
  t.regex(r.stdout, /Build 'local' finished after .*\./);
  t.regex(r.stdout, /==> Builds finished\. The artifacts of successful builds are:/);
  t.regex(r.stdout, /--> local: Did not export anything\. This is the null builder/);
  // The checksum file is verified by coreutils, not by our own code.
  const check = spawnSync("sha256sum", ["-c", "greeting.sha256"], { cwd: dir, encoding: "utf8" });
  t.is(check.status, 0, check.stdout + check.stderr);
  const manifest = JSON.parse(readFileSync(join(dir, "packer-manifest.json"), "utf8")) as { builds: { name: string; builder_type: string }[] };
  t.deepEqual(manifest.builds.map((b) => [b.name, b.builder_type]).sort(), [["greeting", "file"], ["local", "null"]]);
});

test("a failing provisioner fails the build with exit 1 and Packer's error summary", (t) => {
  const dir = workspace({
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["echo about to fail", "exit 3"] }],
  });
  const r = kilnBuild(dir);
  t.is(r.status, 1);
  t.regex(r.stdout, /Build 'null' errored after .*: .*exit status: 3/);
  t.regex(r.stdout, /==> Some builds didn't complete successfully and had errors:/);
  t.regex(r.stdout, /==> Builds finished but no artifacts were created\./);
});

test("-machine-readable prints Packer's CSV lines, including the artifact records", (t) => {
  const dir = workspace({ builders: [{ type: "file", content: "x", target: "out.txt" }] });
  const r = kilnBuild(dir, "-machine-readable");
  t.is(r.status, 0, r.stdout);
  const lines = r.stdout.trim().split("\n");
  t.true(lines.every((l) => /^\d+,[^,]*,[^,]+(,|$)/.test(l)), r.stdout);
  t.true(lines.some((l) => /^\d+,file,artifact-count,1$/.test(l)), r.stdout);
  t.true(lines.some((l) => /^\d+,file,artifact,0,builder-id,packer\.file$/.test(l)), r.stdout);
  t.true(lines.some((l) => /^\d+,file,artifact,0,file,0,out\.txt$/.test(l)), r.stdout);
});

test("sensitive variables never reach the output", (t) => {
  const dir = workspace({
    variables: { token: "s3cr3t-value" },
    "sensitive-variables": ["token"],
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["echo the token is {{user `token`}}"] }],
  });
  for (const mode of [[], ["-machine-readable"]]) {
    const r = kilnBuild(dir, ...mode);
    t.is(r.status, 0, r.stdout);
    t.false(r.stdout.includes("s3cr3t-value"), r.stdout);
    t.regex(r.stdout, /the token is <sensitive>/);
  }
});

test("-only selects builds by glob pattern", (t) => {
  const dir = workspace({
    builders: [
      { type: "file", name: "app-a", content: "a", target: "a.txt" },
      { type: "file", name: "app-b", content: "b", target: "b.txt" },
      { type: "file", name: "other", content: "o", target: "o.txt" },
    ],
  });
  const r = kilnBuild(dir, "-only=app-*");
  t.is(r.status, 0, r.stdout);
  t.true(existsSync(join(dir, "a.txt")) && existsSync(join(dir, "b.txt")));
  t.false(existsSync(join(dir, "o.txt")));
});

test("an invalid build is reported with its file and field, and nothing runs for it", (t) => {
  const dir = workspace({ builders: [{ type: "file", content: "x", target: "out.txt", tagret: "typo" }] });
  const r = kilnBuild(dir);
  t.is(r.status, 1);
  t.regex(r.stdout, /Failed to prepare build: "file"/);
  t.regex(r.stdout, /unknown configuration key: '"tagret"'/);
  t.regex(r.stdout, /template\.json:\d+:\d+/);
  t.false(existsSync(join(dir, "out.txt")));
});

test("SIGTERM to kiln and then its process group at once, as `timeout` sends it, is one interrupt: the build is cancelled and cleaned up", async (t) => {
  const dir = workspace({
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["sleep 300 & echo $! > child.pid; wait"] }],
  });
  const scratch = join(dir, "tmp");
  mkdirSync(scratch);
  // Its own process group, as `timeout` makes one for the command it runs.
  const child = spawn(process.execPath, [kiln, "build", "-color=false", "template.json"], { cwd: dir, detached: true, env: { ...process.env, TMPDIR: scratch } });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", r));
  for (let i = 0; i < 300 && !existsSync(join(dir, "child.pid")); i++) await new Promise((r) => setTimeout(r, 100));
  t.true(existsSync(join(dir, "child.pid")), out);
  const pid = Number(readFileSync(join(dir, "child.pid"), "utf8"));
  process.kill(child.pid!, "SIGTERM");
  process.kill(-child.pid!, "SIGTERM");
  const code = await Promise.race([exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 60_000).unref())]);
  t.is(code, 1, out);
  t.regex(out, /Interrupt received/);
  t.notRegex(out, /Second interrupt/);
  t.regex(out, /Build was cancelled/);
  t.deepEqual(readdirSync(scratch), [], "the build's scratch folder was removed");
  let alive = true;
  for (let i = 0; i < 50 && alive; i++) {
    try {
      alive = !/^\d+ \([^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      alive = false;
    }
    if (alive) await new Promise((r) => setTimeout(r, 100));
  }
  t.false(alive, `sleep ${pid} is still running`);
});

test("Ctrl-C cancels a running build: cleanup runs and the local process tree is gone", async (t) => {
  const dir = workspace({
    builders: [{ type: "null", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["echo started > started.txt", "sleep 300 & echo $! > child.pid; wait"] }],
  });
  const child = spawn(process.execPath, [kiln, "build", "-color=false", "template.json"], { cwd: dir });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 100 && !existsSync(join(dir, "child.pid")); i++) await new Promise((r) => setTimeout(r, 100));
  const pid = Number(readFileSync(join(dir, "child.pid"), "utf8"));
  child.kill("SIGINT");
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  t.is(code, 1, out);
  t.regex(out, /Interrupt received/);
  // Gone, or a zombie waiting for init to reap it: either way nothing of the build still runs.
  const running = (): boolean => {
    try {
      return !/^\d+ \([^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return false;
    }
  };
  let alive = running();
  for (let i = 0; i < 20 && alive; i++) {
    await new Promise((r) => setTimeout(r, 100));
    alive = running();
  }
  t.false(alive, `sleep ${pid} is still running`);
});
