/**
 * `kiln build -resume` on a local build (the real CLI): builds whose fingerprint already made an
 * artifact that still exists are reused, the rest run. The fingerprint store lives under
 * KILN_CACHE_DIR (a temp folder per test here).
 */
import test from "ava";
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runKilnCli } from "../fixtures/kiln-cli.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

/** Four file builds; a shell-local post-processor fails a build while `fail-<name>` exists, and counts runs. */
const fourBuilds = {
  variables: { greeting: "hello" },
  builders: ["a", "b", "c", "d"].map((name) => ({ type: "file", name, content: "{{user `greeting`}} from {{build_name}}\n", target: `out/${name}.txt` })),
  "post-processors": [
    {
      type: "shell-local",
      inline: ["echo run >> runs-$PACKER_BUILD_NAME", "if [ -e fail-$PACKER_BUILD_NAME ]; then echo failing on purpose; exit 1; fi"],
    },
  ],
};

function workspace(): string {
  const dir = tempDirSync("kiln-resume-");
  writeFileSync(join(dir, "template.json"), JSON.stringify(fourBuilds, null, 2));
  return dir;
}

const build = (dir: string, ...args: string[]) =>
  runKilnCli(["build", "-color=false", ...args, "template.json"], { cwd: dir, env: { KILN_CACHE_DIR: join(dir, "cache") }, killAfterMs: 60_000 });
const runs = (dir: string, name: string): number => readFileSync(join(dir, `runs-${name}`), "utf8").trim().split("\n").length;

test("-resume after 2 of 4 builds failed: the 2 good ones are reused (with their artifacts in the summary), only the failed 2 run", async (t) => {
  t.timeout(120_000);
  const dir = workspace();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "fail-c"), "");
  writeFileSync(join(dir, "fail-d"), "");
  const first = await build(dir);
  t.is(first.status, 1, first.stdout);
  unlinkSync(join(dir, "fail-c"));
  unlinkSync(join(dir, "fail-d"));

  const second = await build(dir, "-resume");
  t.is(second.status, 0, second.stdout + second.stderr);
  t.regex(second.stdout, /==> a: reusing Stored file: out\/a\.txt from build [0-9a-f-]{36} \(same fingerprint\)/);
  t.regex(second.stdout, /==> b: reusing Stored file: out\/b\.txt from build/);
  t.regex(second.stdout, /==> c: Building: no earlier build with this fingerprint \(-resume\)/);
  t.deepEqual(["a", "b", "c", "d"].map((n) => runs(dir, n)), [1, 1, 2, 2]);
  t.regex(second.stdout, /--> a: Stored file: out\/a\.txt/);
  t.regex(second.stdout, /--> d: Stored file: out\/d\.txt/);

  const third = await build(dir, "-resume");
  t.is(third.status, 0);
  t.deepEqual(["a", "b", "c", "d"].map((n) => runs(dir, n)), [1, 1, 2, 2], "everything is reused now");
});

test("the fingerprint changes with a variable, and reuse stops when the artifact is gone or changed; without -resume every build runs", async (t) => {
  t.timeout(120_000);
  const dir = workspace();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.is((await build(dir, "-only=a")).status, 0);
  const changedVar = await build(dir, "-resume", "-only=a", "-var", "greeting=hi");
  t.regex(changedVar.stdout, /a: Building: no earlier build with this fingerprint/);
  t.is(readFileSync(join(dir, "out/a.txt"), "utf8"), "hi from a\n");
  t.is(runs(dir, "a"), 2);

  unlinkSync(join(dir, "out/a.txt"));
  const gone = await build(dir, "-resume", "-only=a", "-var", "greeting=hi");
  t.regex(gone.stdout, /a: Building: .*out\/a\.txt is gone \(-resume\)/);
  t.true(existsSync(join(dir, "out/a.txt")));

  const plain = await build(dir, "-only=a", "-var", "greeting=hi");
  t.notRegex(plain.stdout, /reusing/);
  t.is(runs(dir, "a"), 4);
});
