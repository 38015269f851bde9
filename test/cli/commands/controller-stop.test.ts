/**
 * `kiln controller` as an operator runs it: a real process on a real nats-server. With NATS gone,
 * SIGTERM must still stop it within seconds (issue 15 item 9: it used to run on for 30 s and more).
 */
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startKilnController } from "../../fixtures/kiln-cli.js";
import { startNatsServer } from "../../fixtures/nats-server.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const kiln = join(repo, "bin/kiln.js");

for (const crash of [true, false]) {
  test(`SIGTERM stops a controller within seconds after its nats-server ${crash ? "was killed -9" : "stopped"}, with a clear message`, async (t) => {
    t.timeout(60_000);
    const nats = await startNatsServer();
    t.teardown(() => nats.stop());
    const { child, address, stderr: printed, exited } = await startKilnController(["--listen", "127.0.0.1:0", "--nats", nats.url], { PATH: process.env.PATH, HOME: repo });
    t.teardown(() => void child.kill("SIGKILL"));
    // A queued build (no agent) and a client following it: the controller has a watch, a sweep
    // and its lost-jobs consumer all waiting on the bus when it goes.
    const dir = tempDirSync("kiln-ctl-stop-");
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "template.json"), JSON.stringify({ builders: [{ type: "null", communicator: "none" }] }));
    const env = { PATH: process.env.PATH, HOME: dir, KILN_CONTROLLER: address };
    const submitted = spawnSync(process.execPath, [kiln, "submit", "template.json"], { cwd: dir, env, encoding: "utf8", timeout: 30_000 });
    t.is(submitted.status, 0, submitted.stderr);
    const follower = spawn(process.execPath, [kiln, "logs", "-f", submitted.stdout.trim()], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    t.teardown(() => void follower.kill("SIGKILL"));
    // The follower is connected once the controller logs its watch (or at least it is still running).
    await new Promise((r) => setTimeout(r, 500));
    t.is(follower.exitCode, null, "kiln logs -f ended before the outage");
    await nats.halt({ crash });
    // The outage is the scenario: ten seconds of NATS gone, with a watch open and a queued build.
    // Old code piled failed sweeps up behind each other meanwhile (each waiting for a request
    // timeout), and a stop waited for all of them: 20 s after SIGTERM.
    await new Promise((r) => setTimeout(r, 10_000));
    const signalled = Date.now();
    child.kill("SIGTERM");
    const code = await exited;
    const took = Date.now() - signalled;
    const stderr = printed();
    t.is(code, 0, stderr);
    t.true(took < 8_000, `exited ${took} ms after SIGTERM\n${stderr}`);
    t.regex(stderr, /received SIGTERM: stopping/);
    t.regex(stderr, /controller stopped/);
  });
}
