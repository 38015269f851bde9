import test from "ava";
import { PassThrough } from "node:stream";
import { join } from "node:path";
import { main } from "../../../cli/main.js";
import { tempDir } from "../../fixtures/temp-dir.js";

async function kilnAgent(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await main(["agent", ...args], { stdout, stderr, stdin: new PassThrough(), cwd: process.cwd(), env: { PATH: process.env.PATH, ...env }, machineReadable: false });
  return { code, stdout: out, stderr: err };
}

test("kiln agent --help lists every flag with its environment variable", async (t) => {
  const r = await kilnAgent(["--help"]);
  t.is(r.code, 0);
  for (const [flag, env] of [
    ["nats", "KILN_NATS_URL"], ["slots", "KILN_AGENT_SLOTS"], ["labels", "KILN_AGENT_LABELS"], ["work-dir", "KILN_AGENT_WORK_DIR"],
    ["name", "KILN_AGENT_NAME"], ["nats-user", "KILN_NATS_USER"], ["nats-password", "KILN_NATS_PASSWORD"], ["nats-creds", "KILN_NATS_CREDS"],
  ]) t.regex(r.stdout, new RegExp(`-${flag}=\\S+\\s+.*\\(env ${env}\\)`));
  t.regex(r.stdout, /-builders=/);
  t.regex(r.stdout, /-label=LABEL\s+A label of this agent \(a name, or name=value\); repeat for several/);
  t.regex(r.stdout, /-ack-wait=/);
});

test("kiln agent refuses what it cannot use, naming the flag", async (t) => {
  let r = await kilnAgent([]);
  t.is(r.code, 1);
  t.regex(r.stderr, /--nats \(or KILN_NATS_URL\) is required/);
  r = await kilnAgent(["--nats", "nats://127.0.0.1:1", "--slots", "0"]);
  t.regex(r.stderr, /--slots must be a whole number ≥ 1, got "0"/);
  r = await kilnAgent(["--labels", "gpu,rack.a"], { KILN_NATS_URL: "nats://127.0.0.1:1" });
  t.regex(r.stderr, /agent: --label: "rack\.a" is not a label: write a name or name=value/);
  r = await kilnAgent(["--label", "site=eu_west"], { KILN_NATS_URL: "nats://127.0.0.1:1" });
  t.regex(r.stderr, /agent: --label: "site=eu_west" is not a label/);
  r = await kilnAgent(["--nats", "nats://127.0.0.1:1", "--ack-wait", "soon"]);
  t.regex(r.stderr, /--ack-wait must be a duration like 30s/);
  r = await kilnAgent(["--nats", "nats://127.0.0.1:1", "--nats-user", "kiln"]);
  t.regex(r.stderr, /give both --nats-user and --nats-password/);
  r = await kilnAgent(["--nats", "nats://127.0.0.1:1", "--builders", "virtualbox-iso"]);
  t.is(r.code, 1);
  t.regex(r.stderr, /this agent cannot run "virtualbox-iso"/);
});

test("without credentials kiln agent connects to loopback NATS only", async (t) => {
  const r = await kilnAgent(["--nats", "nats://nats.example.com:4222"]);
  t.is(r.code, 1);
  t.regex(r.stderr, /no NATS credentials given, so the agent only connects to a NATS server on loopback; nats:\/\/nats\.example\.com:4222 is not/);
});

test("an unreachable NATS server is a clear error, not a crash", async (t) => {
  // A work dir the operator names is theirs: the agent makes it and leaves it, so it goes in the test's own temp folder.
  const r = await kilnAgent(["--nats", "nats://127.0.0.1:1", "--work-dir", join(await tempDir(), "work")]);
  t.is(r.code, 1);
  t.regex(r.stdout, /Builder types this agent takes: file, (libvirt, )?null/);
  t.regex(r.stderr, /cannot reach NATS at nats:\/\/127\.0\.0\.1:1/);
});
