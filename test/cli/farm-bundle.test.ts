import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BundleError, packBundle } from "../../cli/farm-client/bundle.js";
import { parseFlags } from "../../cli/flags.js";
import { loadForCommand, planForCommand, templateFlagSpecs } from "../../cli/template-flags.js";
import type { BuildSpec } from "../../shared/plan/build-spec.js";
import { tempDirSync } from "../fixtures/temp-dir.js";

function folder(template: unknown, files: Record<string, string> = {}): string {
  const root = tempDirSync("kiln-bundle-test-");
  const dir = join(root, "tpl");
  mkdirSync(dir);
  writeFileSync(join(dir, "template.json"), JSON.stringify(template));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return dir;
}

function plan(dir: string, argv: string[] = []): BuildSpec[] {
  const loaded = loadForCommand("template.json", dir);
  if (!loaded.ok) throw new Error(loaded.text);
  const planned = planForCommand(loaded.template, parseFlags(argv, templateFlagSpecs, {}), dir, {});
  if (!planned.ok) throw new Error(JSON.stringify(planned.diagnostics));
  return planned.specs;
}

function tarList(tgz: Buffer, dir: string): string[] {
  const file = join(dir, "..", "bundle.tgz");
  writeFileSync(file, tgz);
  const r = spawnSync("tar", ["-tzf", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split("\n").filter((l) => l !== "").map((l) => l.replace(/\/$/, "")).sort();
}

test("a bundle holds the template and the files the builds read, not the rest of the folder, and never a var-file", async (t) => {
  const dir = folder(
    {
      variables: { greeting: "" },
      builders: [{ type: "null", communicator: "none" }, { type: "file", name: "copy", source: "data/input.txt", target: "out.txt" }],
      provisioners: [{ type: "shell-local", script: "scripts/setup.sh" }],
    },
    {
      "tpl/scripts/setup.sh": "echo hi\n",
      "tpl/data/input.txt": "input\n",
      "tpl/vars.json": JSON.stringify({ greeting: "hello" }),
      "tpl/output-old/disk.img": "x".repeat(10_000),
      "outside-vars.json": JSON.stringify({ greeting: "from outside" }),
    },
  );
  const varFiles = [join(dir, "vars.json"), join(dir, "..", "outside-vars.json")];
  const bundle = await packBundle({ templateFile: join(dir, "template.json"), varFiles, specs: plan(dir), maxBytes: 1 << 20 });
  t.is(bundle.templatePath, "template.json");
  const listed = tarList(bundle.tgz, dir);
  t.deepEqual(listed, ["data/input.txt", "scripts/setup.sh", "template.json"]);
  t.false(listed.some((l) => l.startsWith("output-old")));
  t.regex(bundle.sha256, /^[0-9a-f]{64}$/);
});

test("a build reading a file outside the template's folder is refused, naming the build and the file", async (t) => {
  const dir = folder(
    { builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", script: "../shared/setup.sh" }] },
    { "shared/setup.sh": "echo hi\n" },
  );
  const e = await t.throwsAsync(packBundle({ templateFile: join(dir, "template.json"), varFiles: [], specs: plan(dir), maxBytes: 1 << 20 }), { instanceOf: BundleError });
  t.regex(e?.message ?? "", /a farm build can only use files under its template's folder/);
  t.regex(e?.message ?? "", /null: .*shared\/setup\.sh/);
});

test("a link inside a packed folder that points outside it is refused", async (t) => {
  const dir = folder(
    { builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", scripts: ["scripts"] }] },
    { "tpl/scripts/a.sh": "echo a\n", "secret.txt": "do not send\n" },
  );
  symlinkSync(join(dir, "..", "secret.txt"), join(dir, "scripts", "b.sh"));
  const e = await t.throwsAsync(packBundle({ templateFile: join(dir, "template.json"), varFiles: [], specs: plan(dir), maxBytes: 1 << 20 }), { instanceOf: BundleError });
  t.regex(e?.message ?? "", /scripts\/b\.sh is a link to .*secret\.txt, outside the template's folder/);
});

test("a bundle over the size limit is refused with what to do", async (t) => {
  const dir = folder(
    { builders: [{ type: "file", source: "big.bin", target: "out.bin" }] },
    { "tpl/big.bin": "y".repeat(200_000) },
  );
  const e = await t.throwsAsync(packBundle({ templateFile: join(dir, "template.json"), varFiles: [], specs: plan(dir), maxBytes: 100_000 }), { instanceOf: BundleError });
  t.regex(e?.message ?? "", /over the bundle limit of 100000 bytes/);
});

test("a missing -var-file is reported with the flag", async (t) => {
  const dir = folder({ builders: [{ type: "null", communicator: "none" }] });
  const e = await t.throwsAsync(packBundle({ templateFile: join(dir, "template.json"), varFiles: [join(dir, "nope.json")], specs: plan(dir), maxBytes: 1 << 20 }), { instanceOf: BundleError });
  t.regex(e?.message ?? "", /-var-file .*nope\.json: cannot read it \(ENOENT\)/);
});

test("a var-file inside a folder the builds read is left out of the bundle; one a build names itself is refused", async (t) => {
  const dir = folder(
    { variables: { password: "" }, builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "file", source: "files", destination: "/tmp" }] },
    { "tpl/files/a.txt": "a\n", "tpl/files/secret.json": JSON.stringify({ password: "hunter2" }) },
  );
  const bundle = await packBundle({ templateFile: join(dir, "template.json"), varFiles: [join(dir, "files", "secret.json")], specs: plan(dir), maxBytes: 1 << 20 });
  t.deepEqual(tarList(bundle.tgz, dir), ["files", "files/a.txt", "template.json"]);

  const named = folder(
    { variables: { password: "" }, builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "shell-local", script: "vars.json" }] },
    { "tpl/vars.json": JSON.stringify({ password: "hunter2" }) },
  );
  const e = await t.throwsAsync(packBundle({ templateFile: join(named, "template.json"), varFiles: [join(named, "vars.json")], specs: plan(named), maxBytes: 1 << 20 }), { instanceOf: BundleError });
  t.regex(e?.message ?? "", /vars\.json is a -var-file and a file the builds read: var-files never travel in a farm bundle/);
});
