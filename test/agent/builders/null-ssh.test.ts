/**
 * The null builder over a real sshd, end to end through `kiln build`: shell and file
 * provisioners really change the remote host, failures and cancels clean up.
 */
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startSshd, type SshdFixture } from "../../fixtures/sshd.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const kiln = join(repo, "bin/kiln.js");

let sshd: SshdFixture;
test.before(async () => {
  sshd = await startSshd();
});
test.after.always(async () => {
  await sshd?.stop();
});

function workspace(template: unknown): string {
  const dir = tempDirSync("kiln-null-ssh-");
  writeFileSync(join(dir, "template.json"), JSON.stringify(template, null, 2));
  return dir;
}

function nullBuilder(auth: Record<string, unknown>): Record<string, unknown> {
  return { type: "null", ssh_host: sshd.host, ssh_port: sshd.port, ssh_username: sshd.user, ssh_timeout: "20s", ...auth };
}

function build(dir: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [kiln, "build", "-color=false", "template.json"], { cwd: dir, encoding: "utf8", timeout: 180_000, killSignal: "SIGKILL" });
  return { status: r.status, out: r.stdout + r.stderr };
}

test.serial("password auth: shell and file provisioners change the remote host, and a folder comes back", async (t) => {
  const remote = join(await sshd.userDir(), `run-${Date.now()}`);
  const dir = workspace({
    builders: [nullBuilder({ ssh_password: sshd.password })],
    provisioners: [
      { type: "shell", inline: [`mkdir -p ${remote}`, `echo "built by {{build_name}} as $(id -un)" > ${remote}/stamp`] },
      { type: "file", source: "payload/", destination: `${remote}/payload` },
      { type: "file", direction: "download", source: `${remote}/stamp`, destination: "stamp.txt" },
    ],
  });
  mkdirSync(join(dir, "payload/sub"), { recursive: true });
  writeFileSync(join(dir, "payload/sub/data.txt"), "payload data\n");
  const r = build(dir);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /==> null: Connected to SSH!/);
  t.is(readFileSync(join(remote, "stamp"), "utf8"), `built by null as ${sshd.user}\n`);
  t.is(readFileSync(join(remote, "payload/sub/data.txt"), "utf8"), "payload data\n");
  t.is(readFileSync(join(dir, "stamp.txt"), "utf8"), `built by null as ${sshd.user}\n`);
  t.false(r.out.includes(sshd.password), "the ssh password leaked into the output");
});

test.serial("private key auth works", (t) => {
  const dir = workspace({
    builders: [nullBuilder({ ssh_private_key_file: sshd.privateKeyPath })],
    provisioners: [{ type: "shell", inline: ["echo key-auth-ok"] }],
  });
  const r = build(dir);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /    null: key-auth-ok/);
});

test.serial("a wrong password fails with a message that names the host and what to check", (t) => {
  const dir = workspace({
    builders: [nullBuilder({ ssh_password: "not-the-password", ssh_handshake_attempts: 1 })],
    provisioners: [{ type: "shell", inline: ["true"] }],
  });
  const r = build(dir);
  t.is(r.status, 1, r.out);
  t.regex(r.out, new RegExp(`Build 'null' errored .*${sshd.host}:${sshd.port}.*authentication failed.*ssh_password`));
});

test.serial("a failing provisioner fails the build, runs the error-cleanup provisioner, and produces no artifact", (t) => {
  const marker = join(tmpdir(), `kiln-cleanup-${Date.now()}`);
  t.teardown(() => rmSync(marker, { force: true }));
  const dir = workspace({
    builders: [nullBuilder({ ssh_password: sshd.password })],
    provisioners: [{ type: "shell", inline: ["echo failing now", "exit 7"] }],
    "error-cleanup-provisioner": { type: "shell-local", inline: [`touch ${marker}`] },
    "post-processors": [{ type: "manifest", output: "manifest.json" }],
  });
  const r = build(dir);
  t.is(r.status, 1, r.out);
  t.regex(r.out, /Script exited with non-zero exit status: 7/);
  t.regex(r.out, /Running the cleanup provisioner/);
  t.true(existsSync(marker), "the error-cleanup provisioner did not run");
  t.false(existsSync(join(dir, "manifest.json")), "a post-processor ran after a failed build");
  t.regex(r.out, /Builds finished but no artifacts were created/);
});

test.serial("Ctrl-C mid-provisioner stops the remote command and the build cleans up", async (t) => {
  // A sleep of an unusual length is easy to find with pgrep on this host (sshd is local).
  const seconds = 3000 + Math.floor(Math.random() * 900);
  const tag = `sleep ${seconds}`;
  const dir = workspace({
    builders: [nullBuilder({ ssh_password: sshd.password })],
    provisioners: [{ type: "shell", inline: [`echo started; ${tag}`] }],
  });
  const child = spawn(process.execPath, [kiln, "build", "-color=false", "template.json"], { cwd: dir });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 150 && !out.includes("null: started"); i++) await new Promise((r) => setTimeout(r, 100));
  t.regex(out, /null: started/);
  t.is(spawnSync("pgrep", ["-f", tag]).status, 0, "the remote sleep should be running before the cancel");
  child.kill("SIGINT");
  const code = await new Promise<number | null>((r) => child.on("exit", r));
  t.is(code, 1, out);
  let gone = false;
  for (let i = 0; i < 30 && !gone; i++) {
    gone = spawnSync("pgrep", ["-f", tag]).status !== 0;
    if (!gone) await new Promise((r) => setTimeout(r, 100));
  }
  t.true(gone, "the remote command survived the cancel");
});

test.serial("-on-error=abort leaves the host as it is, names the steps as Packer does, and exits (the ssh connection is closed)", (t) => {
  const dir = workspace({
    builders: [nullBuilder({ ssh_password: sshd.password })],
    provisioners: [{ type: "shell", inline: ["echo bye", "exit 3"] }],
  });
  const r = spawnSync(process.execPath, [kiln, "build", "-color=false", "-on-error=abort", "template.json"], { cwd: dir, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
  t.is(r.status, 1, r.stdout + r.stderr);
  // Packer 1.6.6's lines for the same template (abortStep), after the provisioner's output.
  t.regex(r.stdout, /==> null: Script exited with non-zero exit status: 3\.Allowed exit codes are: \[0\]\n==> null: Step "StepProvision" failed, aborting\.\.\.\n==> null: aborted: skipping cleanup of step "StepConnect"\n/);
});

test.serial("a shell provisioner stopped by its timeout fails with Go's 'context canceled', as Packer 1.6.6's does", (t) => {
  const dir = workspace({
    builders: [nullBuilder({ ssh_password: sshd.password })],
    provisioners: [{ type: "shell", inline: ["echo start", "sleep 5", "echo end"], timeout: "1s" }],
  });
  const r = build(dir);
  t.is(r.status, 1, r.out);
  t.regex(r.out, /==> null: Cancelling provisioner after a timeout\.\.\./);
  t.regex(r.out, /Build 'null' errored after [^:]+: context canceled\n/);
  t.notRegex(r.out, /end/);
});

test.serial("a script that drops its connection: with expect_disconnect the build goes on and says nothing of the reconnect, without it Packer's message", async (t) => {
  const remote = await sshd.userDir();
  const dir = workspace({
    builders: [{ ...nullBuilder({ ssh_password: sshd.password }), name: "a" }, { ...nullBuilder({ ssh_password: sshd.password }), name: "b" }],
    provisioners: [
      { type: "shell", inline: ["kill -9 $PPID"], remote_folder: remote, expect_disconnect: true, only: ["a"] },
      { type: "shell", inline: ["kill -9 $PPID"], remote_folder: remote, only: ["b"] },
      { type: "shell", inline: ["echo after"], remote_folder: remote },
    ],
  });
  const r = build(dir);
  t.is(r.status, 1, r.out);
  t.regex(r.out, /^ {4}a: after$/m);
  t.notRegex(r.out, /Reconnecting/);
  // Packer 1.6.6's words for b, on the same sshd.
  t.regex(r.out, /Build 'b' errored after [^:]+: Script disconnected unexpectedly\. If you expected your script to disconnect, i\.e\. from a restart, you can try adding `"expect_disconnect": true` or `"valid_exit_codes": \[0, 2300218\]` to the shell provisioner parameters\.\n/);
});
