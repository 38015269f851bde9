/**
 * A farm build whose template runs the ansible provisioner goes only to an agent that has
 * ansible-playbook: the job is queued apart (`null__ansible`), an agent without Ansible never sees
 * it and the controller says what it waits for; an agent that found Ansible takes it and the
 * playbook runs against the tests' sshd. Real nats-server, controller, agents, CLI, sshd, Ansible.
 */
import test from "ava";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { credentials } from "@grpc/grpc-js";
import { probeHost, startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { startController } from "../../controller/index.js";
import { FarmClient } from "../../proto/gen/kiln/v1/farm.js";
import { startNatsServer } from "../fixtures/nats-server.js";
import { startSshd } from "../fixtures/sshd.js";
import { runKilnCli } from "../fixtures/kiln-cli.js";
import { rpc, waitFor } from "../controller/farm-harness.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const hasAnsible = spawnSync("sh", ["-c", "command -v ansible-playbook"]).status === 0;
if (!hasAnsible) console.log("farm-ansible.test: ansible-playbook is not installed (apt install ansible; .ci/run does): skipped");
const ansibleTest = hasAnsible ? test : test.skip;

ansibleTest("an agent without ansible never takes an ansible job and the controller says what it waits for; an agent with ansible runs it", async (t) => {
  t.timeout(180_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, sweepIntervalMs: 200 });
  t.teardown(() => controller.stop());
  const sshd = await startSshd();
  t.teardown(() => sshd.stop());
  const client = new FarmClient(`127.0.0.1:${controller.port}`, credentials.createInsecure());
  t.teardown(() => client.close());
  const agents: AgentHandle[] = [];
  t.teardown(async () => {
    for (const a of agents) await a.stop();
  });

  const probe = await probeHost();
  t.true(probe.capabilities.includes("ansible"), "this host's probe finds ansible-playbook");
  t.true(probe.findings.some((f) => /^ansible: \S*ansible-playbook \(\d+\.\d+/.test(f)), probe.findings.join("\n"));
  const without = { ...probe, capabilities: probe.capabilities.filter((c) => c !== "ansible") };
  agents.push(await startAgent({ nats: { url: nats.url }, name: "agent-plain", builders: ["null"], probe: without, pullExpiresMs: 1000 }));

  const remote = await sshd.userDir();
  const dir = tempDirSync("kiln-farm-ansible-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "ansible"));
  writeFileSync(join(dir, "ansible/site.yml"), `- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.copy:\n        dest: "${remote}/farm.txt"\n        content: "from {{ packer_build_name }}\\n"\n`);
  writeFileSync(
    join(dir, "template.json"),
    JSON.stringify({
      builders: [{ type: "null", name: "box", ssh_host: sshd.host, ssh_port: sshd.port, ssh_username: sshd.user, ssh_password: sshd.password }],
      provisioners: [{ type: "ansible", playbook_file: "ansible/site.yml" }],
    }),
  );
  const running = runKilnCli(["build", "-color=false", `--controller=127.0.0.1:${controller.port}`, "template.json"], { cwd: dir, env: { KILN_TOKEN: "" }, killAfterMs: 150_000 });

  const waiting = await waitFor(
    "the job to wait for an agent with ansible",
    async () => {
      const list = await rpc.listBuilds(client);
      const id = list.builds[0]?.id;
      if (!id) return undefined;
      const build = await rpc.getBuild(client, id);
      return build.jobs[0]?.waitingFor ? build : undefined;
    },
    30_000,
  );
  t.deepEqual(waiting.jobs[0]!.needs, ["ansible"]);
  t.is(waiting.jobs[0]!.waitingFor, "waiting for an agent with: ansible");
  t.is(waiting.jobs[0]!.agent, "", "the agent without ansible did not take it");

  agents.push(await startAgent({ nats: { url: nats.url }, name: "agent-ansible", builders: ["null"], probe, pullExpiresMs: 1000 }));
  const r = await running;
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /box: Provisioning with Ansible\.\.\./);
  t.is(readFileSync(join(remote, "farm.txt"), "utf8"), "from box\n");
  const done = await rpc.getBuild(client, waiting.id);
  t.is(done.jobs[0]!.agent, "agent-ansible");
});
