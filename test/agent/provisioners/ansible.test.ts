/**
 * The ansible provisioner with the real ansible-playbook (Debian's ansible-core 2.14) against the
 * tests' own sshd through the null builder, through `kiln build`: Kiln's SSH adapter (the
 * default) with OpenSSH 9's defaults and no workaround, the same with Packer-era workarounds
 * (HostKeyAlgorithms=+ssh-rsa, use_sftp), and straight to sshd (use_proxy false, key or
 * password). A playbook with a role, group_vars and an extra var changes files on the host; a
 * failing task fails the build and the error-cleanup provisioner runs; no key or inventory is left.
 */
import test from "ava";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { startSshd, type SshdFixture } from "../../fixtures/sshd.js";
import { runKilnCli } from "../../fixtures/kiln-cli.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const ansibleInstalled = spawnSync("sh", ["-c", "command -v ansible-playbook"]).status === 0;
if (!ansibleInstalled) console.log("ansible.test: ansible-playbook is not installed (apt install ansible; .ci/run does): skipped");
const ansibleTest = ansibleInstalled ? test.serial : test.serial.skip;

let sshd: SshdFixture;
test.before(async () => {
  if (ansibleInstalled) sshd = await startSshd();
});
test.after.always(async () => {
  await sshd?.stop();
});

/** A template folder with a playbook that applies role `marker` to group `kiln` with a group var and an extra var. */
function workspace(builder: Record<string, unknown>, ansible: Record<string, unknown>, remote: string, fail = false): string {
  const dir = tempDirSync("kiln-ansible-");
  mkdirSync(join(dir, "ansible/roles/marker/tasks"), { recursive: true });
  mkdirSync(join(dir, "ansible/group_vars"), { recursive: true });
  writeFileSync(
    join(dir, "ansible/roles/marker/tasks/main.yml"),
    [
      "- name: make the folder",
      "  ansible.builtin.file:",
      `    path: "${remote}"`,
      "    state: directory",
      "- name: write the marker",
      "  ansible.builtin.copy:",
      `    dest: "${remote}/marker.txt"`,
      '    content: "{{ greeting }} from {{ who }} on {{ packer_build_name }}\\n"',
      "- name: template a file",
      "  ansible.builtin.template:",
      "    src: note.j2",
      `    dest: "${remote}/note.txt"`,
      ...(fail ? ["- name: fail on purpose", "  ansible.builtin.command: /bin/false"] : []),
      "",
    ].join("\n"),
  );
  mkdirSync(join(dir, "ansible/roles/marker/templates"));
  writeFileSync(join(dir, "ansible/roles/marker/templates/note.j2"), "builder {{ packer_builder_type }}\n");
  writeFileSync(join(dir, "ansible/group_vars/kiln.yml"), "greeting: hello\n");
  writeFileSync(join(dir, "ansible/site.yml"), "- hosts: kiln\n  gather_facts: false\n  roles:\n    - marker\n");
  writeFileSync(
    join(dir, "template.json"),
    JSON.stringify({
      builders: [{ type: "null", name: "box", ssh_host: sshd.host, ssh_port: sshd.port, ssh_username: sshd.user, ssh_timeout: "20s", ...builder }],
      provisioners: [{ type: "ansible", playbook_file: "ansible/site.yml", groups: ["kiln"], extra_arguments: ["--extra-vars", "who=kiln"], ...ansible }],
      "error-cleanup-provisioner": { type: "shell-local", inline: ["echo cleanup ran > cleanup.txt"] },
    }),
  );
  return dir;
}

const build = (dir: string) => runKilnCli(["build", "-color=false", "template.json"], { cwd: dir, env: { TMPDIR: join(dir, "tmp") }, killAfterMs: 180_000 });

async function remoteDir(): Promise<string> {
  return join(await sshd.userDir(), `ansible-${Date.now()}`);
}

function checkApplied(t: import("ava").ExecutionContext, remote: string): void {
  t.is(readFileSync(join(remote, "marker.txt"), "utf8"), "hello from kiln on box\n");
  t.is(readFileSync(join(remote, "note.txt"), "utf8"), "builder null\n");
}

function prepare(dir: string): void {
  mkdirSync(join(dir, "tmp"));
}

ansibleTest("through Kiln's SSH adapter (default) with today's OpenSSH and Ansible defaults: role, group_vars and extra var applied; nothing left behind", async (t) => {
  t.timeout(200_000);
  const remote = await remoteDir();
  const dir = workspace({ ssh_password: sshd.password }, { ansible_env_vars: ["ANSIBLE_NOCOLOR=1"] }, remote);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  prepare(dir);
  const r = await build(dir);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /==> box: Provisioning with Ansible\.\.\./);
  t.regex(r.stdout, /==> box: Executing Ansible: ansible-playbook -e packer_build_name="box" -e packer_builder_type=null --ssh-extra-args '-o IdentitiesOnly=yes' --extra-vars who=kiln -e ansible_ssh_private_key_file=\S+ -i \S+ \S+site\.yml/);
  t.regex(r.stdout, /box: PLAY RECAP/);
  t.regex(r.stdout, /box: default\s+: ok=3\s+changed=3/);
  checkApplied(t, remote);
  t.deepEqual(readdirSync(join(dir, "tmp")), [], "no key, inventory or scratch file left");
  t.false(r.stdout.includes(sshd.password));
});

ansibleTest("templates carrying Packer 1.6.6's workarounds (HostKeyAlgorithms=+ssh-rsa, use_sftp) still work through the adapter", async (t) => {
  t.timeout(200_000);
  const remote = await remoteDir();
  const dir = workspace(
    { ssh_password: sshd.password },
    { use_sftp: true, ansible_env_vars: ["ANSIBLE_SSH_ARGS=-o HostKeyAlgorithms=+ssh-rsa -o PubkeyAcceptedKeyTypes=+ssh-rsa", "ANSIBLE_NOCOLOR=1"] },
    remote,
  );
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  prepare(dir);
  const r = await build(dir);
  t.is(r.status, 0, r.stdout + r.stderr);
  checkApplied(t, remote);
});

ansibleTest("use_proxy false: straight to sshd with the communicator's key, and with its password (sshpass), the password never printed", async (t) => {
  t.timeout(300_000);
  const remote = await remoteDir();
  const dir = workspace({ ssh_private_key_file: sshd.privateKeyPath }, { use_proxy: false }, remote);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  prepare(dir);
  const r = await build(dir);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /Not using Proxy adapter for Ansible run/);
  t.regex(r.stdout, new RegExp(`ansible_host=127\\.0\\.0\\.1|-i `));
  checkApplied(t, remote);
  t.deepEqual(readdirSync(join(dir, "tmp")), []);

  const remote2 = await remoteDir();
  const withPassword = workspace({ ssh_password: sshd.password }, { use_proxy: false }, remote2);
  t.teardown(() => rmSync(withPassword, { recursive: true, force: true }));
  prepare(withPassword);
  const p = await build(withPassword);
  t.is(p.status, 0, p.stdout + p.stderr);
  t.regex(p.stdout, /-e ansible_password=\*\*\*\*\*|ansible_password=<sensitive>/);
  t.false(p.stdout.includes(sshd.password));
  checkApplied(t, remote2);
});

ansibleTest("a failing task fails the build with Ansible's exit status; the error-cleanup provisioner runs", async (t) => {
  t.timeout(200_000);
  const remote = await remoteDir();
  const dir = workspace({ ssh_password: sshd.password }, {}, remote, true);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  prepare(dir);
  const r = await build(dir);
  t.is(r.status, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /Error executing Ansible: Non-zero exit status: exit status 2/);
  t.regex(r.stdout, /fail on purpose/);
  t.true(existsSync(join(dir, "cleanup.txt")));
  t.deepEqual(readdirSync(join(dir, "tmp")), []);
});

ansibleTest("a local build asks ansible-playbook for its version once, as Packer does (validation's answer is reused)", async (t) => {
  t.timeout(200_000);
  const remote = await remoteDir();
  const dir = workspace({ ssh_password: sshd.password }, { command: "./ansible-playbook-logged", ansible_env_vars: ["ANSIBLE_NOCOLOR=1"] }, remote);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  prepare(dir);
  // Starting Ansible's Python costs ~0.5 s: the wrapper counts how often Kiln does it.
  writeFileSync(join(dir, "ansible-playbook-logged"), `#!/bin/sh\necho "$*" >> "${join(dir, "calls.log")}"\nexec ansible-playbook "$@"\n`, { mode: 0o755 });
  const r = await build(dir);
  t.is(r.status, 0, r.stdout + r.stderr);
  checkApplied(t, remote);
  const calls = readFileSync(join(dir, "calls.log"), "utf8").trim().split("\n");
  t.is(calls.filter((c) => c === "--version").length, 1, calls.join("\n"));
  t.is(calls.length, 2, "one version check, one playbook run");
});

test("a missing playbook_file is a validation error naming the field", async (t) => {
  const dir = tempDirSync("kiln-ansible-v-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "template.json"), JSON.stringify({ builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "ansible", playbook_file: "nope.yml" }] }));
  const r = await runKilnCli(["validate", "template.json"], { cwd: dir });
  t.is(r.status, 1);
  t.regex(r.stdout + r.stderr, /playbook_file: nope\.yml is invalid: stat nope\.yml: no such file or directory/);
});
