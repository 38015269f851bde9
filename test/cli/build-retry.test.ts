/**
 * Kiln's retries and deadlines on a local `kiln build` (the real CLI): -retry/-retry-on/-timeout
 * and the side file (kiln.json / kiln.hcl next to the template). Each attempt runs the failed
 * one's cleanups first: the error-cleanup provisioner and the build's scratch folder show it.
 */
import test from "ava";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runKilnCli } from "../fixtures/kiln-cli.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

function workspace(template: unknown, files: Record<string, string> = {}): string {
  const dir = tempDirSync("kiln-retry-");
  // The builds' scratch folders go here (TMPDIR): what is left after a run is what cleanups missed.
  mkdirSync(join(dir, "tmp"));
  writeFileSync(join(dir, "template.json"), JSON.stringify(template, null, 2));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A null build whose shell-local provisioner fails until it has run `passOn` times (counted in a file). */
function flaky(passOn: number, extra: Record<string, unknown> = {}): unknown {
  return {
    builders: [
      { type: "null", name: "flaky", communicator: "none" },
      { type: "null", name: "steady", communicator: "none" },
    ],
    provisioners: [
      {
        type: "shell-local",
        only: ["flaky"],
        inline: [`n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "attempt $n"; [ $n -ge ${passOn} ] || { echo "flaky: connection reset by peer" >&2; exit 3; }`],
      },
    ],
    "error-cleanup-provisioner": { type: "shell-local", inline: ["echo cleaned >> cleanups"] },
    "post-processors": [{ type: "manifest", output: "manifest.json" }],
    ...extra,
  };
}

/** Alive and not a zombie (this machine's init may reap orphans late). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const build = (dir: string, ...args: string[]) =>
  runKilnCli(["build", "-color=false", ...args, "template.json"], { cwd: dir, env: { TMPDIR: join(dir, "tmp") }, killAfterMs: 90_000 });

test("-retry=3: a build failing twice passes on attempt 3, each attempt visible, cleanups run after each failure, the manifest says 3 attempts", async (t) => {
  t.timeout(120_000);
  const dir = workspace(flaky(3));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir, "-retry=3");
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /flaky: Attempt 2 of 4/);
  t.regex(r.stdout, /flaky: Attempt 3 of 4/);
  t.regex(r.stdout, /flaky: Build succeeded on attempt 3 of 4/);
  t.notRegex(r.stdout, /steady: Attempt 2/, "a build that passed is never run again");
  t.is(readFileSync(join(dir, "count"), "utf8").trim(), "3");
  t.deepEqual(readFileSync(join(dir, "cleanups"), "utf8").trim().split("\n"), ["cleaned", "cleaned"]);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { builds: { name: string; kiln_attempts?: number }[] };
  t.is(manifest.builds.find((b) => b.name === "flaky")?.kiln_attempts, 3);
  t.is(manifest.builds.find((b) => b.name === "steady")?.kiln_attempts, 1);
  t.deepEqual(readdirSync(join(dir, "tmp")), [], "every attempt's scratch folder was removed");
});

test("-retry=1 when two are needed: exit 1, the error says every attempt failed", async (t) => {
  t.timeout(120_000);
  const dir = workspace(flaky(3));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir, "-retry=1");
  t.is(r.status, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /2 attempts, every one failed/);
  t.is(readFileSync(join(dir, "count"), "utf8").trim(), "2");
});

test("-retry-on: an error that does not match is not retried", async (t) => {
  t.timeout(120_000);
  const dir = workspace(flaky(2));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir, "-retry=3", "-retry-on=timed out|no route");
  t.is(r.status, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /Not retrying: the error does not match -retry-on "timed out\|no route"/);
  t.is(readFileSync(join(dir, "count"), "utf8").trim(), "1");
  const matching = workspace(flaky(2));
  t.teardown(() => rmSync(matching, { recursive: true, force: true }));
  const ok = await build(matching, "-retry=3", "-retry-on=exit status: 3");
  t.is(ok.status, 0, ok.stdout + ok.stderr);
});

test("-timeout cancels an attempt mid-provisioning: its process is killed, cleanups run, the reason is said, exit 1", async (t) => {
  t.timeout(120_000);
  const dir = workspace({
    builders: [{ type: "null", name: "slow", communicator: "none" }],
    provisioners: [{ type: "shell-local", inline: ["echo $$ > pid", "sleep 600"] }],
  });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const started = Date.now();
  const r = await build(dir, "-timeout=3s");
  t.is(r.status, 1, r.stdout + r.stderr);
  t.true(Date.now() - started < 60_000);
  t.regex(r.stdout, /Build 'slow' exceeded its timeout of 3s and was cancelled \(its cleanups ran\)/);
  const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
  t.false(running(pid), "the provisioner's shell is gone");
});

test("kiln.json beside the template: retries per build-name glob, the flags win over it", async (t) => {
  t.timeout(120_000);
  const dir = workspace(flaky(2), { "kiln.json": JSON.stringify({ builds: { "*": { retries: 0 }, "fla*": { retries: 2, retry_on: "exit status: 3" } } }) });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /flaky: Attempt 2 of 3/);
  writeFileSync(join(dir, "count"), "0");
  const overridden = await build(dir, "-retry=0");
  t.is(overridden.status, 1, "-retry=0 on the command line overrides kiln.json");
});

test("kiln.hcl works the same; a bad side file is refused naming file, line and setting, and nothing runs", async (t) => {
  t.timeout(120_000);
  const dir = workspace(flaky(2), { "kiln.hcl": 'build "flaky" {\n  retries = 1\n  timeout = "1m"\n}\n' });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /flaky: Attempt 2 of 2/);

  const bad = workspace(flaky(2), { "kiln.json": '{\n  "builds": {\n    "flaky": { "retries": 1, "timeout": "soon" }\n  }\n}\n' });
  t.teardown(() => rmSync(bad, { recursive: true, force: true }));
  const refused = await build(bad);
  t.is(refused.status, 1);
  t.regex(refused.stderr, /kiln\.json:3:\d+: builds "flaky" timeout: time: invalid duration "soon"/);
  t.false(existsSync(join(bad, "count")), "nothing ran");

  const badHcl = workspace(flaky(2), { "kiln.hcl": 'build "flaky" {\n  retries = 1\n  colour = "red"\n}\n' });
  t.teardown(() => rmSync(badHcl, { recursive: true, force: true }));
  const refusedHcl = await build(badHcl);
  t.is(refusedHcl.status, 1);
  t.regex(refusedHcl.stderr, /kiln\.hcl:3:3: build "flaky" colour: unknown setting "colour"/);
  t.regex(refusedHcl.stderr, /retries, retry_on, timeout/);
});

test("-retry with a bad value is a flag error", async (t) => {
  t.timeout(60_000);
  const dir = workspace(flaky(1));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const r = await build(dir, "-retry=many");
  t.is(r.status, 1);
  t.regex(r.stderr, /-retry: retries must be a whole number from 0 to 100 \(got "many"\)/);
  t.deepEqual(readdirSync(dir).filter((f) => f === "count"), []);
});
