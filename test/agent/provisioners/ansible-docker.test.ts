/**
 * The ansible provisioner against a container: the docker builder (commit) on a real Docker
 * Engine and the local busybox image, which has no sshd and no Python. Ansible reaches it only
 * through Kiln's SSH adapter relaying to `docker exec` and the engine's archive API; `raw` runs
 * commands and `script` sends a file over SFTP and runs it (neither needs Python on the target).
 * The committed image carries what the playbook wrote.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useDockerEngine, type DockerEngineFixture } from "../../fixtures/docker-engine.js";
import { runKilnCli } from "../../fixtures/kiln-cli.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const hasAnsible = spawnSync("sh", ["-c", "command -v ansible-playbook"]).status === 0;
if (!hasAnsible) console.log("ansible-docker.test: ansible-playbook is not installed (apt install ansible; .ci/run does): skipped");
const ansibleTest = hasAnsible ? test : test.skip;

let engine: DockerEngineFixture | undefined;
test.before(async () => {
  if (hasAnsible) engine = await useDockerEngine();
});
test.after.always(async () => {
  await engine?.stop();
});

ansibleTest("docker builder + ansible through the adapter (no sshd, no Python in the container): the committed image carries what the playbook wrote", async (t) => {
  t.timeout(240_000);
  const e = engine!;
  const name = `ansible-${Date.now()}`;
  const repository = `kiln-test/ansible-${Date.now()}`;
  const dir = tempDirSync("kiln-ansible-docker-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "marker.sh"), "#!/bin/sh\nmkdir -p /opt && echo \"script ran with $1\" > /opt/script-marker\n");
  writeFileSync(
    join(dir, "site.yml"),
    [
      "- hosts: all",
      "  gather_facts: false",
      "  tasks:",
      "    - name: write with raw",
      "      ansible.builtin.raw: echo \"raw from {{ packer_build_name }}\" > /etc/raw-marker",
      "    - name: send and run a script",
      "      ansible.builtin.script: marker.sh kiln",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "template.json"),
    JSON.stringify({
      builders: [{ type: "docker", name, image: e.baseImage, pull: false, commit: true, run_command: ["-d", "-i", "-t", "--network=none", "--entrypoint=/bin/sh", "--", "{{.Image}}"] }],
      provisioners: [{ type: "ansible", playbook_file: "site.yml", ansible_env_vars: ["ANSIBLE_NOCOLOR=1"] }],
      "post-processors": [{ type: "docker-tag", repository, tags: ["latest"] }],
    }),
  );
  const r = await runKilnCli(["build", "-color=false", "template.json"], { cwd: dir, env: { DOCKER_HOST: e.host }, killAfterMs: 200_000 });
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /ok=2\s+changed=2/);
  t.teardown(() => e.docker.getImage(`${repository}:latest`).remove({ force: true }).catch(() => undefined));
  const read = spawnSync("/usr/bin/docker", ["run", "--rm", "--network=none", "--pull=never", "--entrypoint=/bin/sh", `${repository}:latest`, "-c", "cat /etc/raw-marker /opt/script-marker"], {
    encoding: "utf8",
    env: { ...process.env, DOCKER_HOST: e.host },
  });
  t.is(read.status, 0, read.stderr);
  t.is(read.stdout, `raw from ${name}\nscript ran with kiln\n`);
});
