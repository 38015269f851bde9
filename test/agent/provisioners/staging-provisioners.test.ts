/**
 * ansible-local and puppet-masterless with the real programs (Debian's ansible-core 2.14 and
 * puppet 7) through `kiln build`: the null builder connects to the tests' own sshd, so "the
 * guest" is this host, which has both. Each provisioner uploads to its staging folder, runs there
 * as the guest's user and changes files; a failing run fails the build with the program's status.
 */
import test from "ava";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { startSshd, type SshdFixture } from "../../fixtures/sshd.js";
import { runKilnCli } from "../../fixtures/kiln-cli.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const has = (program: string): boolean => spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
const ansibleTest = has("ansible-playbook") ? test.serial : test.serial.skip;
const puppetTest = has("puppet") ? test.serial : test.serial.skip;
if (!has("ansible-playbook")) console.log("staging-provisioners.test: ansible-playbook is not installed (apt install ansible; .ci/run does): ansible-local skipped");
if (!has("puppet")) console.log("staging-provisioners.test: puppet is not installed (apt install puppet; .ci/run does): puppet-masterless skipped");

let sshd: SshdFixture | undefined;
test.before(async () => {
  if (has("ansible-playbook") || has("puppet")) sshd = await startSshd();
});
test.after.always(async () => {
  await sshd?.stop();
});

function workspace(files: Record<string, string>, provisioner: Record<string, unknown>): string {
  const dir = tempDirSync("kiln-staging-");
  // The guest's user (another account) reads some of these files in place.
  chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(
    join(dir, "template.json"),
    JSON.stringify({
      builders: [{ type: "null", name: "box", ssh_host: sshd!.host, ssh_port: sshd!.port, ssh_username: sshd!.user, ssh_password: sshd!.password }],
      provisioners: [provisioner],
    }),
  );
  return dir;
}

const build = (dir: string) => runKilnCli(["build", "-color=false", "template.json"], { cwd: dir, killAfterMs: 180_000 });

ansibleTest("ansible-local: playbook_dir with a role, group_vars for an inventory group and extra_arguments apply on the guest; clean_staging_directory removes the staging folder", async (t) => {
  t.timeout(200_000);
  const out = await sshd!.userDir();
  const staging = join(await sshd!.userDir(), "staging");
  const dir = workspace(
    {
      "ansible/site.yml": "- hosts: kiln\n  gather_facts: false\n  roles:\n    - marker\n",
      "ansible/roles/marker/tasks/main.yml": `- ansible.builtin.copy:\n    dest: "${out}/marker.txt"\n    content: "{{ greeting }} from {{ who }} on {{ packer_build_name }}/{{ packer_builder_type }}\\n"\n`,
      "vars/kiln.yml": "greeting: hello\n",
    },
    {
      type: "ansible-local", playbook_file: "ansible/site.yml", playbook_dir: "ansible", group_vars: "vars", inventory_groups: ["kiln"],
      extra_arguments: ["--extra-vars", "who=kiln"], staging_directory: staging, clean_staging_directory: true,
    },
  );
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /box: Uploading Playbook directory to Ansible staging directory\.\.\./);
  t.regex(r.stdout, new RegExp(`box: Executing Ansible: cd ${staging} && ANSIBLE_FORCE_COLOR=1 PYTHONUNBUFFERED=1 ansible-playbook ${staging}/site\\.yml --extra-vars "packer_build_name=box packer_builder_type=null packer_http_addr=\\S* -o IdentitiesOnly=yes" --extra-vars who=kiln -c local -i ${staging}/packer-provisioner-ansible-local\\d+`));
  t.regex(r.stdout, /box: PLAY RECAP/);
  t.is(readFileSync(join(out, "marker.txt"), "utf8"), "hello from kiln on box/null\n");
  t.false(existsSync(staging), "the staging folder is removed");
});

ansibleTest("ansible-local: playbook_files run in order and a failing play fails the build with its exit status", async (t) => {
  t.timeout(200_000);
  const out = await sshd!.userDir();
  const dir = workspace(
    {
      "one.yml": `- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.copy:\n        dest: "${out}/one.txt"\n        content: one\n`,
      "two.yml": "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: fail on purpose\n      ansible.builtin.command: /bin/false\n",
    },
    { type: "ansible-local", playbook_files: ["one.yml", "two.yml"], staging_directory: join(out, "staging") },
  );
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 1, r.stdout + r.stderr);
  t.is(readFileSync(join(out, "one.txt"), "utf8"), "one");
  t.regex(r.stdout, /fail on purpose/);
  t.regex(r.stdout, /Error executing Ansible: Non-zero exit status: 2/);
});

puppetTest("puppet-masterless: a manifest using a module from module_paths, a facter fact and hiera data applies on the guest; exit 2 (changes) succeeds", async (t) => {
  t.timeout(200_000);
  const out = await sshd!.userDir();
  const staging = join(await sshd!.userDir(), "puppet-staging");
  const dir = workspace(
    {
      "manifests/site.pp": `class { 'greet': target => '${out}/puppet.txt' }\n`,
      "modules/greet/manifests/init.pp":
        "class greet(String $target) {\n  file { $target:\n    ensure  => file,\n    content => \"${lookup('greeting')} from ${facts['who']} on ${facts['packer_build_name']}\\n\",\n  }\n}\n",
      "hiera.yaml": "",
      "data/common.yaml": "greeting: hello\n",
    },
    {
      type: "puppet-masterless", manifest_file: "manifests/site.pp", module_paths: ["modules"], hiera_config_path: "hiera.yaml",
      facter: { who: "kiln" }, prevent_sudo: true, staging_directory: staging, extra_arguments: ["--color=false"],
    },
  );
  // hiera.yaml's datadir is read on the guest; here that is this folder, read in place.
  writeFileSync(join(dir, "hiera.yaml"), `---\nversion: 5\ndefaults:\n  datadir: ${join(dir, "data")}\n  data_hash: yaml_data\nhierarchy:\n  - name: common\n    path: common.yaml\n`);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /==> box: Provisioning with Puppet\.\.\./);
  t.regex(
    r.stdout,
    new RegExp(`box: Running Puppet: cd ${staging} && FACTER_packer_build_name='box' FACTER_packer_builder_type='null' FACTER_who='kiln' puppet apply --detailed-exitcodes --modulepath='${staging}/module-0' --hiera_config='${staging}/hiera\\.yaml' --color=false ${staging}/manifests/site\\.pp`),
  );
  t.is(readFileSync(join(out, "puppet.txt"), "utf8"), "hello from kiln on box\n");
});

puppetTest("puppet-masterless: a failing manifest fails the build with Puppet's detailed exit code; ignore_exit_codes lets it pass", async (t) => {
  t.timeout(200_000);
  const out = await sshd!.userDir();
  const files = { "bad.pp": "exec { 'fail on purpose': command => '/bin/false' }\n" };
  const dir = workspace(files, { type: "puppet-masterless", manifest_file: "bad.pp", prevent_sudo: true, staging_directory: join(out, "s1") });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /Puppet exited with a non-zero exit status: [46]/);

  const ignoring = workspace(files, { type: "puppet-masterless", manifest_file: "bad.pp", prevent_sudo: true, staging_directory: join(out, "s2"), ignore_exit_codes: true });
  t.teardown(() => rmSync(ignoring, { recursive: true, force: true }));
  const ok = await build(ignoring);
  t.is(ok.status, 0, ok.stdout + ok.stderr);
});

test("validation: Packer's messages for a missing manifest_file, a bad module path, both playbook_file and playbook_files", async (t) => {
  const dir = tempDirSync("kiln-staging-v-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "a.yml"), "[]\n");
  const validate = async (provisioner: Record<string, unknown>): Promise<string> => {
    writeFileSync(join(dir, "template.json"), JSON.stringify({ builders: [{ type: "null", communicator: "none" }], provisioners: [provisioner] }));
    const r = await runKilnCli(["validate", "template.json"], { cwd: dir });
    t.is(r.status, 1);
    return r.stdout + r.stderr;
  };
  const puppet = await validate({ type: "puppet-masterless", module_paths: ["nope"] });
  t.regex(puppet, /A manifest_file must be specified\./);
  t.regex(puppet, /module_path\[0\] is invalid: stat nope: no such file or directory/);
  t.regex(await validate({ type: "ansible-local", playbook_file: "a.yml", playbook_files: ["a.yml"] }), /Either playbook_file or playbook_files can be specified, not both/);
});
