/**
 * `kiln build -json`, locally and through a farm: every line a real build prints is valid against
 * the versioned schema (docs/schema/build-events.v1.json, checked with ajv), and the lines say
 * what happened: each build and step started and finished with durations, the provisioner's
 * output, the failed build's error, secrets masked, and a last run-finished line with the exit code.
 */
import test from "ava";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { startAgent } from "../../../agent/farm/index.js";
import { startController } from "../../../controller/index.js";
import { startNatsServer } from "../../fixtures/nats-server.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const kiln = join(repo, "bin/kiln.js");
const schema = JSON.parse(readFileSync(join(repo, "docs/schema/build-events.v1.json"), "utf8")) as object;
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validate = ajv.compile(schema);

const template = {
  variables: { secret: "s3cr3t-value-123" },
  "sensitive-variables": ["secret"],
  builders: [
    { type: "null", name: "good", communicator: "none" },
    { type: "null", name: "bad", communicator: "none" },
  ],
  provisioners: [
    { type: "shell-local", only: ["good"], inline: ["echo hello from good", "echo 'the secret is {{user `secret`}}'"] },
    { type: "shell-local", only: ["bad"], inline: ["echo about to fail", "exit 2"] },
  ],
};

type Line = Record<string, unknown> & { type: string; build?: string };

function kilnJson(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; lines: Line[]; stderr: string }> {
  const dir = tempDirSync("kiln-json-");
  writeFileSync(join(dir, "template.json"), JSON.stringify(template));
  return new Promise((done) => {
    const child = spawn(process.execPath, [kiln, "build", "-json", ...args, "template.json"], { cwd: dir, env: { ...process.env, ...env } });
    let out = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      done({ status, lines: out.trim().split("\n").map((l) => JSON.parse(l) as Line), stderr });
    });
  });
}

function checkRun(t: import("ava").ExecutionContext, run: { status: number | null; lines: Line[]; stderr: string }, where: string): void {
  t.is(run.status, 1, run.stderr);
  for (const line of run.lines) t.true(validate(line), `${where}: ${JSON.stringify(line)}: ${ajv.errorsText(validate.errors)}`);
  const of = (type: string, build?: string): Line[] => run.lines.filter((l) => l.type === type && (build === undefined || l.build === build));
  t.is(of("build-started", "good").length, 1);
  t.is(of("build-started", "bad").length, 1);
  t.true(of("step-finished", "good").some((l) => l.step === "provision" && typeof l.durationMs === "number" && !("error" in l)));
  t.true(of("step-finished", "bad").some((l) => l.step === "provision" && typeof l.error === "string"));
  t.true(of("output", "good").some((l) => l.text === "hello from good"), `${where}: ${JSON.stringify(of("output"))}`);
  t.true(of("output", "good").some((l) => l.text === "the secret is <sensitive>"));
  t.false(JSON.stringify(run.lines).includes("s3cr3t-value-123"), "no secret on any line");
  const finished = (b: string): Line => of("build-finished", b)[0]!;
  t.is(finished("good").error, undefined);
  t.regex(String(finished("bad").error), /exit code 2|exit status 2|Script exited with non-zero exit status: 2/);
  t.true(of("artifact", "good").length >= 1);
  const last = run.lines[run.lines.length - 1]!;
  t.is(last.type, "run-finished");
  t.is(last.exitCode, 1);
  t.deepEqual((last.builds as { build: string }[]).map((b) => b.build).sort(), ["bad", "good"]);
}

test("local build: every -json line is valid and tells the run", async (t) => {
  checkRun(t, await kilnJson([]), "local");
});

test("farm build: the agents' events come back as the same -json lines", async (t) => {
  t.timeout(3 * 60_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const controller = await startController({ listen: "127.0.0.1:0", nats: { url: nats.url }, token: "json-token", sweepIntervalMs: 200 });
  t.teardown(() => controller.stop());
  const agent = await startAgent({ nats: { url: nats.url }, name: "json-agent", builders: ["null"], slots: 2, pullExpiresMs: 1000 });
  t.teardown(() => agent.stop());
  const run = await kilnJson(["--controller", controller.address], { KILN_TOKEN: "json-token" });
  checkRun(t, run, "farm");
  // Every structured event, in order, as a local run prints them (the bus carries a build's
  // consecutive events as one record: none may be lost or reordered on the way).
  const local = await kilnJson([]);
  const events = (r: { lines: Line[] }, build: string): string[] =>
    r.lines.filter((l) => l.build === build && l.type !== "output" && l.type !== "record").map((l) => `${l.type}${typeof l.step === "string" ? `:${l.step}` : ""}`);
  for (const build of ["good", "bad"]) t.deepEqual(events(run, build), events(local, build), build);
});
