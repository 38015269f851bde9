import test from "ava";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const systemdDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../deploy/systemd");
const units = ["kiln-controller.service", "kiln-agent.service"];

test("systemd-analyze finds nothing wrong in the units except the kiln binary not being installed here", async (t) => {
  if (!existsSync("/usr/bin/systemd-analyze")) return t.pass("systemd-analyze is not installed: nothing to check");
  const result = await run("systemd-analyze", ["verify", ...units.map((u) => path.join(systemdDir, u))]).catch(
    (err: { stdout: string; stderr: string }) => err,
  );
  const complaints = `${result.stdout}${result.stderr}`
    .split("\n")
    .filter((l) => l.trim() !== "" && !/Command \/usr\/bin\/kiln is not executable/.test(l));
  t.deepEqual(complaints, []);
});

for (const unit of units) {
  test(`${unit} runs as the kiln user from an env file and lets the process clean up on stop`, async (t) => {
    const text = await readFile(path.join(systemdDir, unit), "utf8");
    const settings = new Map(
      text
        .split("\n")
        .filter((l) => /^\w+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const),
    );
    t.is(settings.get("User"), "kiln");
    t.regex(settings.get("EnvironmentFile") ?? "", /^\/etc\/kiln\/(controller|agent)\.env$/);
    // mixed: SIGTERM to the main process only, so it can run its cleanups before anything is killed.
    t.is(settings.get("KillMode"), "mixed");
    t.is(settings.get("KillSignal"), "SIGTERM");
    t.regex(settings.get("Restart") ?? "", /^(always|on-failure)$/);
    t.regex(settings.get("ExecStart") ?? "", /^\/usr\/bin\/kiln (controller|agent)$/);
  });
}
