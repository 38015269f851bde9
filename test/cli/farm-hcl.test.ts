/**
 * An HCL2 template (a folder with an .auto.pkrvars.hcl and a file the build reads) built end to
 * end through a real nats-server, a controller and two agents, by the real `kiln` CLI; the output,
 * exit code and files are compared with a local `kiln build` of the same folder.
 */
import test from "ava";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startController, type RunningController } from "../../controller/index.js";
import { startAgent, type AgentHandle } from "../../agent/farm/index.js";
import { decodeJobRecord, jobKey } from "../../shared/bus/index.js";
import { startNatsServer, type NatsServerFixture } from "../fixtures/nats-server.js";
import { runKilnCli, type KilnRun } from "../fixtures/kiln-cli.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const TOKEN = "farm-hcl-token";

let farm: { nats: NatsServerFixture; controller: RunningController; agents: AgentHandle[] } | undefined;
test.before(async () => {
  const nats = await startNatsServer();
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, token: TOKEN, sweepIntervalMs: 200 });
  const agents = [
    await startAgent({ nats: { url: nats.url }, name: "agent-null", builders: ["null"], pullExpiresMs: 1000 }),
    await startAgent({ nats: { url: nats.url }, name: "agent-file", builders: ["file"], pullExpiresMs: 1000 }),
  ];
  farm = { nats, controller, agents };
});
test.after.always(async () => {
  if (!farm) return;
  for (const a of farm.agents) await a.stop();
  await farm.controller.stop();
  await farm.nats.stop();
});

function kilnRun(cwd: string, args: string[], env: Record<string, string> = {}): Promise<KilnRun> {
  return runKilnCli(args, { cwd, env: { KILN_CONTROLLER: "", KILN_TOKEN: "", ...env } });
}

const TEMPLATE = `
variable "who" {
  type = string
}

variable "colours" {
  type    = list(string)
  default = ["red"]
}

source "file" "greeting" {
  content = "hello \${var.who}: \${join(",", var.colours)}\\n"
  target  = "out/greeting.txt"
}

source "file" "notes" {
  source = "notes/input.txt"
  target = "notes.txt"
}

source "null" "local" {
  communicator = "none"
}

build {
  sources = ["source.file.greeting", "source.file.notes", "source.null.local"]

  provisioner "shell-local" {
    only   = ["null.local"]
    inline = [<<-EOF
      echo "provisioned \${source.name} for \${var.who}"
    EOF
    ]
  }
}
`;

function workspace(t: { teardown: (f: () => void) => void }): string {
  const dir = tempDirSync("kiln-farm-hcl-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "tpl", "notes"), { recursive: true });
  writeFileSync(join(dir, "tpl", "build.pkr.hcl"), TEMPLATE);
  writeFileSync(join(dir, "tpl", "who.auto.pkrvars.hcl"), `who = "farm"\n`);
  writeFileSync(join(dir, "tpl", "notes", "input.txt"), "notes from the client\n");
  writeFileSync(join(dir, "colours.pkrvars.hcl"), `colours = ["blue", "green"]\n`);
  return dir;
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string): void => {
    for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else out[rel] = readFileSync(join(dir, rel), "utf8");
    }
  };
  walk("");
  return out;
}

function normalised(stdout: string): string[] {
  return stdout
    .replace(/after (\d+ \w+)( \d+ \w+)?/g, "after DURATION")
    .replace(/\S*\/packer-shell\d+/g, "SCRATCH/packer-shellN")
    .split("\n")
    .sort();
}

test("an HCL2 folder with auto and explicit var files builds on two agents exactly as locally", async (t) => {
  t.timeout(120_000);
  if (!farm) throw new Error("the farm did not start");
  const { controller, agents } = farm;
  const farmDir = workspace(t);
  const localDir = workspace(t);
  // Run from the template's folder, as a farm build runs there (relative paths resolve against it).
  const args = ["build", "-color=false", "-var-file", "../colours.pkrvars.hcl", "."];
  const remote = await kilnRun(join(farmDir, "tpl"), args, { KILN_CONTROLLER: controller.address, KILN_TOKEN: TOKEN });
  const local = await kilnRun(join(localDir, "tpl"), args);
  t.is(remote.status, 0, remote.stdout + remote.stderr);
  t.is(local.status, 0, local.stdout + local.stderr);
  t.deepEqual(normalised(remote.stdout), normalised(local.stdout));
  t.regex(remote.stdout, /provisioned local for farm/);

  const remoteFiles = files(join(farmDir, "tpl"));
  t.is(remoteFiles["out/greeting.txt"], "hello farm: blue,green\n");
  t.is(remoteFiles["notes.txt"], "notes from the client\n");
  t.deepEqual(Object.keys(remoteFiles).sort(), Object.keys(files(join(localDir, "tpl"))).sort());

  const buildId = /build (\S+) submitted/.exec(remote.stderr)?.[1] ?? "";
  t.not(buildId, "", remote.stderr);
  const byName = new Map(agents.map((a) => [a.name, a.builderTypes]));
  const names: string[] = [];
  for (let i = 0; i < 3; i++) {
    const entry = await controller.bus.builds.get(jobKey(buildId, i));
    const record = decodeJobRecord(entry!.value, "kv");
    t.is(record.state, "succeeded");
    t.true(byName.get(record.agent ?? "")?.includes(record.builderType) ?? false, `${record.name} ran on ${record.agent}`);
    names.push(record.name);
  }
  t.deepEqual(names.sort(), ["file.greeting", "file.notes", "null.local"]);
});

test("the controller refuses an invalid HCL2 template with kiln validate's diagnostic", async (t) => {
  t.timeout(60_000);
  if (!farm) throw new Error("the farm did not start");
  const dir = tempDirSync("kiln-farm-hcl-bad-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "bad.pkr.hcl"), `variable "who" {\n  type = string\n}\nsource "null" "x" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.x"]\n}\n`);
  const r = await kilnRun(dir, ["build", "-color=false", "bad.pkr.hcl"], { KILN_CONTROLLER: farm.controller.address, KILN_TOKEN: TOKEN });
  t.is(r.status, 1);
  t.regex(r.stdout + r.stderr, /Unset variable "who"/);
});
