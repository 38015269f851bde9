/**
 * Packer 1.6.6's file builder runs the provision hook itself, not through StepProvision: a failing
 * provisioner ends the build with only the "errored after" line (text recorded from packer build 1.6.6).
 */
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runKilnCli } from "../../fixtures/kiln-cli.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

test("a failing provisioner of a file build neither says 'Provisioning step had errors' nor repeats its error before 'errored after'", async (t) => {
  t.timeout(60_000);
  const dir = tempDirSync("kiln-file-hook-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "a.pkr.hcl"),
    `source "file" "cfg" {\n  content = "x"\n  target  = "cfg.txt"\n}\nbuild {\n  sources = ["source.file.cfg"]\n  provisioner "shell-local" {\n    inline = ["exit 3"]\n  }\n}\n`,
  );
  const r = await runKilnCli(["build", "-color=false", "a.pkr.hcl"], { cwd: dir, env: { TMPDIR: dir }, killAfterMs: 50_000 });
  t.is(r.status, 1, r.stdout + r.stderr);
  const lines = r.stdout.split("\n");
  const errored = lines.findIndex((l) => l.startsWith("Build 'file.cfg' errored after"));
  t.true(errored > 0, r.stdout);
  t.regex(lines[errored]!, /: Script exited with non-zero exit status: 3\.Allowed exit codes are: \[0\]$/);
  t.regex(lines[errored - 1]!, /^==> file\.cfg: Running local shell script: /);
  t.notRegex(r.stdout, /Provisioning step had errors/);
});
