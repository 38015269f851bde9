/**
 * kill -9 of a real `kiln controller` process mid-build, and a new one started on the same port:
 * `kiln build --controller` and `kiln logs -f` (real CLI processes) ride it out and show every
 * line once. The agent runs in this process; NATS is a real nats-server.
 */
import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startAgent } from "../../agent/farm/index.js";
import { freePort, startNatsServer } from "../fixtures/nats-server.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kiln = join(repo, "bin/kiln.js");

interface Run {
  child: ChildProcess;
  output: () => string;
  done: Promise<number | null>;
}

function run(cwd: string, args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [kiln, ...args], { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd, ...env } });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const done = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, output: () => output, done };
}

async function until(what: string, ok: () => boolean, ms: number, r?: Run): Promise<void> {
  for (const deadline = Date.now() + ms; !ok(); await new Promise((res) => setTimeout(res, 50))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${r ? `:\n${r.output()}` : ""}`);
  }
}

test("kill -9 of the controller mid-build, a new one on the same port: kiln build --controller and kiln logs -f finish, every line once", async (t) => {
  t.timeout(120_000);
  const nats = await startNatsServer();
  t.teardown(() => nats.stop());
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const controllers: Run[] = [];
  const startController = async (): Promise<Run> => {
    const c = run(repo, ["controller", "--listen", address, "--nats", nats.url], {});
    controllers.push(c);
    await until("the controller to listen", () => c.output().includes("Controller listening"), 30_000, c);
    return c;
  };
  t.teardown(() => controllers.forEach((c) => c.child.kill("SIGKILL")));
  const first = await startController();
  const agent = await startAgent({ nats: { url: nats.url }, name: "crash-agent", builders: ["null"], pullExpiresMs: 1000 });
  t.teardown(() => agent.stop());

  const dir = tempDirSync("kiln-ctl-crash-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "template.json"), JSON.stringify({ builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["echo crash-one", "sleep 4", "echo crash-two"] }] }));
  const env = { KILN_CONTROLLER: address };
  const build = run(dir, ["build", "-color=false", "template.json"], env);
  t.teardown(() => void build.child.kill("SIGKILL"));
  await until("the first line", () => build.output().includes("crash-one"), 60_000, build);
  const id = /build (\S+) submitted/.exec(build.output())?.[1];
  t.truthy(id, build.output());
  const logs = run(dir, ["logs", "-color=false", "-f", id!], env);
  t.teardown(() => void logs.child.kill("SIGKILL"));
  await until("kiln logs -f to replay the first line", () => logs.output().includes("crash-one"), 30_000, logs);

  first.child.kill("SIGKILL");
  await first.done;
  await startController();

  const [buildCode, logsCode] = await Promise.all([build.done, logs.done]);
  for (const [code, r] of [[buildCode, build], [logsCode, logs]] as const) {
    t.is(code, 0, r.output());
    const lines = r.output().split("\n");
    t.is(lines.filter((l) => l === "    null: crash-one").length, 1, r.output());
    t.is(lines.filter((l) => l === "    null: crash-two").length, 1, r.output());
  }
  t.regex(build.output(), /lost the controller .*reconnecting/);
});
