/**
 * A local `kiln build` accepts the farm's placement settings (labels, priority: nothing to route
 * here) from the flags and kiln.json, and refuses bad ones like any other setting, before anything
 * runs. Real CLI process.
 */
import test from "ava";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runKilnCli } from "../fixtures/kiln-cli.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

function workspace(t: import("ava").ExecutionContext, sideFile?: unknown): string {
  const dir = tempDirSync("kiln-placement-cli-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "template.json"),
    JSON.stringify({ builders: [{ type: "null", name: "box", communicator: "none" }], provisioners: [{ type: "shell-local", inline: ["touch ran"] }] }),
  );
  if (sideFile !== undefined) writeFileSync(join(dir, "kiln.json"), typeof sideFile === "string" ? sideFile : JSON.stringify(sideFile));
  return dir;
}

test("a local build runs with -label, -priority and kiln.json labels: nothing to route, nothing refused", async (t) => {
  t.timeout(60_000);
  const dir = workspace(t, { builds: { "*": { labels: ["kvm"], priority: "low" } } });
  const r = await runKilnCli(["build", "-color=false", "-label=gpu", "-label=site=eu", "-priority=high", "template.json"], { cwd: dir, killAfterMs: 50_000 });
  t.is(r.status, 0, r.stdout + r.stderr);
  t.true(existsSync(join(dir, "ran")));
  t.regex(r.stdout, /Builds finished/);
});

test("a bad -priority, -label or kiln.json label is refused naming where, and nothing runs", async (t) => {
  t.timeout(60_000);
  const dir = workspace(t);
  const priority = await runKilnCli(["build", "-priority=urgent", "template.json"], { cwd: dir, killAfterMs: 50_000 });
  t.is(priority.status, 1);
  t.regex(priority.stderr, /-priority: priority must be one of low, normal, high \(got "urgent"\)/);
  const label = await runKilnCli(["build", "-label=a b", "template.json"], { cwd: dir, killAfterMs: 50_000 });
  t.is(label.status, 1);
  t.regex(label.stderr, /-label\[0\]: "a b" is not a label/);
  const side = workspace(t, '{\n  "builds": {\n    "box": {\n      "priority": 3\n    }\n  }\n}\n');
  const fromFile = await runKilnCli(["build", "template.json"], { cwd: side, killAfterMs: 50_000 });
  t.is(fromFile.status, 1);
  t.regex(fromFile.stderr, /kiln\.json:4:7: builds "box" priority: priority must be one of low, normal, high \(got 3\)/);
  t.false(existsSync(join(dir, "ran")) || existsSync(join(side, "ran")), "nothing ran");
  const help = await runKilnCli(["build", "--help"], { cwd: dir, killAfterMs: 50_000 });
  t.regex(help.stdout + help.stderr, /-label=LABEL\s+Kiln farm: run only on agents with this label/);
  t.regex(help.stdout + help.stderr, /-priority=LEVEL\s+Kiln farm: queue priority, low, normal, high/);
  // The object-store flags serve farm builds only: a local build reads no store.
  t.regex(help.stdout + help.stderr, /-nats=\S+\s+With --controller: fetch artifact files straight from the farm's NATS object store/);
  t.regex(help.stdout + help.stderr, /-nats-user=USER\s+With --controller and --nats: NATS user/);
});
