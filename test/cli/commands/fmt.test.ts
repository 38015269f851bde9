import test from "ava";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kilnIn, workspace } from "./kiln-process.js";

const messy = 'source "null" "x" {\ncommunicator="none"\n  a_long_name = 1\n}\n';
const tidy = 'source "null" "x" {\n  communicator = "none"\n  a_long_name  = 1\n}\n';

function dirWith(files: Record<string, string>, t: { teardown(fn: () => void): void }): string {
  const dir = workspace(files);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("fmt rewrites .pkr.hcl and .pkrvars.hcl files, prints their names, and a second run changes nothing", (t) => {
  const dir = dirWith({ "a.pkr.hcl": messy, "b.pkr.hcl": tidy, "v.pkrvars.hcl": "x=1\nyy = 2\n", "t.pkr.json": "{ }" }, t);
  const r = kilnIn(dir, ["fmt", "."]);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.is(r.stdout, "a.pkr.hcl\nv.pkrvars.hcl\n");
  t.is(readFileSync(join(dir, "a.pkr.hcl"), "utf8"), tidy);
  t.is(readFileSync(join(dir, "v.pkrvars.hcl"), "utf8"), "x  = 1\nyy = 2\n");
  t.is(readFileSync(join(dir, "t.pkr.json"), "utf8"), "{ }", "JSON files are left alone");
  const again = kilnIn(dir, ["fmt", "."]);
  t.is(again.status, 0);
  t.is(again.stdout, "");
});

test("fmt -check exits 3 and lists unformatted files without touching them; 0 when all are formatted", (t) => {
  const dir = dirWith({ "a.pkr.hcl": messy }, t);
  const r = kilnIn(dir, ["fmt", "-check", "a.pkr.hcl"]);
  t.is(r.status, 3);
  t.is(r.stdout, "a.pkr.hcl\n");
  t.is(readFileSync(join(dir, "a.pkr.hcl"), "utf8"), messy);
  writeFileSync(join(dir, "a.pkr.hcl"), tidy);
  t.is(kilnIn(dir, ["fmt", "-check", "a.pkr.hcl"]).status, 0);
});

test("fmt -diff -write=false prints a unified diff and leaves the file", (t) => {
  const dir = dirWith({ "a.pkr.hcl": messy }, t);
  const r = kilnIn(dir, ["fmt", "-diff", "-write=false", "a.pkr.hcl"]);
  t.is(r.status, 0, r.stdout);
  t.regex(r.stdout, /^a\.pkr\.hcl\n--- old\/a\.pkr\.hcl\n\+\+\+ new\/a\.pkr\.hcl\n@@ -1,4 \+1,4 @@\n/);
  t.true(r.stdout.includes('-communicator="none"\n-  a_long_name = 1\n+  communicator = "none"\n+  a_long_name  = 1\n'), r.stdout);
  t.is(readFileSync(join(dir, "a.pkr.hcl"), "utf8"), messy);
});

test("fmt -recursive also formats subfolders; without it they are left alone", (t) => {
  const dir = dirWith({ "a.pkr.hcl": tidy }, t);
  mkdirSync(join(dir, "sub"));
  writeFileSync(join(dir, "sub", "b.pkr.hcl"), messy);
  t.is(kilnIn(dir, ["fmt", "."]).stdout, "");
  const r = kilnIn(dir, ["fmt", "-recursive", "."]);
  t.is(r.status, 0);
  t.is(r.stdout, "sub/b.pkr.hcl\n");
  t.is(readFileSync(join(dir, "sub", "b.pkr.hcl"), "utf8"), tidy);
});

test("fmt - formats standard input to standard output; -check - exits 3 when it would change", (t) => {
  const dir = dirWith({}, t);
  const r = kilnIn(dir, ["fmt", "-"], { stdin: messy });
  t.is(r.status, 0);
  t.is(r.stdout, tidy);
  t.is(kilnIn(dir, ["fmt", "-check", "-"], { stdin: messy }).status, 3);
  t.is(kilnIn(dir, ["fmt", "-check", "-"], { stdin: tidy }).status, 0);
});

test("fmt on a file with a syntax error exits 1, says where, and leaves the file", (t) => {
  const broken = 'locals {\n  a = 1 b = 2\n}\n';
  const dir = dirWith({ "bad.pkr.hcl": broken }, t);
  const r = kilnIn(dir, ["fmt", "bad.pkr.hcl"]);
  t.is(r.status, 1);
  t.true(r.stdout.startsWith("Error: encountered an error while formatting bad.pkr.hcl\n\nfailed to parse HCL bad.pkr.hcl\n"), r.stdout);
  t.true(r.stdout.includes("Error: Missing newline after argument\n\n  on bad.pkr.hcl line 2, in locals:\n   2:   a = 1 b = 2\n"), r.stdout);
  t.is(readFileSync(join(dir, "bad.pkr.hcl"), "utf8"), broken);
});

test("fmt without HCL2 files, or without a path, fails with exit status 1", (t) => {
  const dir = dirWith({ "t.json": "{}" }, t);
  const r = kilnIn(dir, ["fmt", "."]);
  t.is(r.status, 1);
  t.is(r.stdout, "Error: Cannot tell whether . contains HCL2 configuration data\n\n\n", "packer fmt 1.6.6 prints one more newline");
  const missing = kilnIn(dir, ["fmt", "nope.json"]);
  t.is(missing.status, 1);
  t.is(missing.stdout, "Error: Cannot tell wether nope.json is a directory\n\nstat nope.json: no such file or directory\n\n\n", "packer fmt 1.6.6's words, 'wether' included");
  const none = kilnIn(dir, ["fmt"]);
  t.is(none.status, 1);
  t.regex(none.stdout, /^Usage: kiln fmt/, "packer fmt prints its help on stdout");
});

test("fmt --help describes every option and the exit statuses", (t) => {
  const dir = dirWith({}, t);
  const r = kilnIn(dir, ["fmt", "--help"]);
  t.is(r.status, 0);
  for (const flag of ["-check", "-diff", "-write", "-recursive"]) t.true(r.stdout.includes(`  ${flag}`), flag);
  t.regex(r.stdout, /3 when -check finds a file/);
  t.regex(kilnIn(dir, ["--help"]).stdout, /fmt\s+Rewrites HCL2 config files to canonical format/);
});
