/**
 * The ansible provisioner on a real QEMU guest (TCG here), end to end through `kiln build` from the
 * cached Debian base image, which has sshd but no Python: `raw` runs commands and `script` sends a
 * file and runs it (neither needs Python on the guest). One playbook goes through Kiln's SSH
 * adapter (the default), a second straight to the guest's forwarded SSH port with the
 * communicator's password (use_proxy false, through sshpass). The test then boots the OUTPUT image
 * and reads back what both wrote.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseImage } from "../../fixtures/base-image.js";
import { bootOutputImage, build, qemuBuilder, qemuProcessesUsing, sshExec, workspace } from "../builders/qemu-harness.js";

const has = (program: string): boolean => spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
const ready = has("ansible-playbook") && has("sshpass");
if (!ready) console.log("ansible-qemu.test: ansible-playbook or sshpass is not installed (apt install ansible sshpass; .ci/run does): skipped");

let base: string;
test.before(async () => {
  if (ready) base = await baseImage();
});

(ready ? test.serial : test.skip)("qemu + ansible (through the adapter, and direct with a password): the booted output carries what both playbooks wrote", async (t) => {
  t.timeout(8 * 60_000);
  const dir = workspace({
    builders: [qemuBuilder(base)],
    provisioners: [
      { type: "ansible", playbook_file: "adapter.yml", ansible_env_vars: ["ANSIBLE_NOCOLOR=1"] },
      { type: "ansible", playbook_file: "direct.yml", use_proxy: false, ansible_env_vars: ["ANSIBLE_NOCOLOR=1", "ANSIBLE_HOST_KEY_CHECKING=False"] },
      { type: "shell", inline: ["sync"] },
    ],
  });
  writeFileSync(join(dir, "stamp.sh"), "#!/bin/sh\necho \"script ran with $1 on $(uname -s)\" > /etc/kiln-ansible-script\n");
  writeFileSync(
    join(dir, "adapter.yml"),
    [
      "- hosts: all",
      "  gather_facts: false",
      "  tasks:",
      "    - ansible.builtin.raw: echo \"raw from {{ packer_build_name }} via the adapter\" > /etc/kiln-ansible-raw",
      "    - ansible.builtin.script: stamp.sh kiln",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "direct.yml"),
    ["- hosts: all", "  gather_facts: false", "  tasks:", "    - ansible.builtin.raw: echo direct > /etc/kiln-ansible-direct", ""].join("\n"),
  );

  const r = await build(dir);
  t.is(r.status, 0, r.out);
  t.regex(r.out, /Provisioning with Ansible\.\.\./);
  t.regex(r.out, /ok=2\s+changed=2/, "the adapter playbook's two tasks changed the guest");
  t.regex(r.out, /ok=1\s+changed=1/, "the direct playbook's task changed the guest");
  const disk = join(dir, "out/built.qcow2");
  t.true(existsSync(disk));
  t.deepEqual(qemuProcessesUsing(dir), []);

  const vm = await bootOutputImage(disk);
  t.teardown(() => vm.stop());
  const out = await sshExec(vm.port, "cat /etc/kiln-ansible-raw /etc/kiln-ansible-script /etc/kiln-ansible-direct", 4 * 60_000);
  t.is(out, "raw from qemu via the adapter\nscript ran with kiln on Linux\ndirect\n");
});
