/**
 * The first minutes with `kiln` as with `packer` 1.6.6: top-level help, version, unknown
 * commands, and how Packer's commands answer bad flags and a wrong number of arguments. Texts,
 * streams and exit codes were taken from real `packer` 1.6.6 runs (packer → kiln).
 */
import test from "ava";
import { kilnIn, workspace } from "./kiln-process.js";

const TEMPLATE = { variables: { x: "1" }, builders: [{ type: "null", communicator: "none" }] };

function dir(): string {
  return workspace({ "t.json": TEMPLATE });
}

const HELP_HEAD = "Usage: kiln [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n";

test("no command: the help on stdout, exit 127 (mitchellh/cli)", (t) => {
  const r = kilnIn(dir(), []);
  t.is(r.status, 127);
  t.is(r.stderr, "");
  t.true(r.stdout.startsWith(HELP_HEAD), r.stdout);
  t.regex(r.stdout, /\n {4}build {11}build image\(s\) from template\n/);
  t.regex(r.stdout, /\n {4}console {9}creates a console for testing variable interpolation\n/);
  t.regex(r.stdout, /\n {4}fmt {13}Rewrites HCL2 config files to canonical format\n/);
  t.regex(r.stdout, /\n {4}version {9}Prints the Kiln version\n\n$/);
  for (const extra of ["controller", "agent", "submit", "builds", "logs", "artifacts", "agents"]) t.regex(r.stdout, new RegExp(`\\n {4}${extra} +\\S`), extra);
});

test("--help, -h, -help: the same help on stdout, exit 0", (t) => {
  const d = dir();
  const none = kilnIn(d, []).stdout;
  for (const flag of ["--help", "-h", "-help"]) {
    const r = kilnIn(d, [flag]);
    t.is(r.status, 0, flag);
    t.is(r.stderr, "", flag);
    t.is(r.stdout, none, flag);
  }
});

test("`help` and an unknown or misspelt command: the help on stdout, exit 127, as packer prints", (t) => {
  const d = dir();
  const none = kilnIn(d, []).stdout;
  for (const name of ["help", "biuld", "foo"]) {
    const r = kilnIn(d, [name]);
    t.is(r.status, 127, name);
    t.is(r.stderr, "", name);
    t.is(r.stdout, none, name);
  }
});

test("--version, -v, -version print the bare version; `version` prints 'Kiln vX'", (t) => {
  const d = dir();
  for (const flag of ["--version", "-v", "-version"]) {
    const r = kilnIn(d, [flag]);
    t.is(r.status, 0);
    t.regex(r.stdout, /^\d+\.\d+\.\d+\n$/, flag);
  }
  const m = kilnIn(d, ["-machine-readable", "--version"]);
  t.regex(m.stdout, /^\d+\.\d+\.\d+\n$/, "packer -machine-readable --version prints 1.6.6 alone");
  const v = kilnIn(d, ["version"]);
  t.is(v.status, 0);
  t.regex(v.stdout, /^Kiln v\d+\.\d+\.\d+\n$/);
});

test("-machine-readable version, before or after the command: Packer's four lines ('version-prelease' included)", (t) => {
  const d = dir();
  for (const args of [["-machine-readable", "version"], ["version", "-machine-readable"]]) {
    const r = kilnIn(d, args);
    t.is(r.status, 0);
    t.regex(r.stdout, /^(\d+),,version,(\d+\.\d+\.\d+)\n\1,,version-prelease,\n\1,,version-commit,\n\1,,ui,say,Kiln v\2\n$/, args.join(" "));
  }
});

test("-machine-readable after the template is taken out as packer's main does (validate exits 0)", (t) => {
  const r = kilnIn(dir(), ["validate", "t.json", "-machine-readable"]);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.is(r.stdout, "");
});

const PACKER_COMMANDS = ["build", "validate", "inspect", "console", "fmt", "fix", "hcl2_upgrade"];

test("an unknown flag: the command's help then Go's flag error, both on stdout, exit 1", (t) => {
  const d = dir();
  for (const c of PACKER_COMMANDS) {
    const help = kilnIn(d, [c, "--help"]).stdout;
    const r = kilnIn(d, [c, "-bogus", "t.json"]);
    t.is(r.status, 1, c);
    t.is(r.stderr, "", c);
    t.is(r.stdout, `${help}flag provided but not defined: -bogus\n`, c);
  }
});

test("no template or two templates (or a flag after the template): the help alone on stdout, exit 1", (t) => {
  const d = dir();
  for (const c of ["build", "validate", "inspect", "fmt", "fix", "hcl2_upgrade"]) {
    const help = kilnIn(d, [c, "-h"]).stdout;
    for (const args of [[], ["t.json", "t.json"], ["t.json", "-var", "x=2"]]) {
      const r = kilnIn(d, [c, ...args]);
      t.is(r.status, 1, `${c} ${args.join(" ")}`);
      t.is(r.stderr, "", `${c} ${args.join(" ")}`);
      t.is(r.stdout, help, `${c} ${args.join(" ")}`);
    }
  }
});

test("-var without '=': Go's invalid-value error after the help, on stdout, exit 1", (t) => {
  const d = dir();
  for (const c of ["build", "validate", "inspect", "console"]) {
    const help = kilnIn(d, [c, "-h"]).stdout;
    const r = kilnIn(d, [c, "-var", "x", "t.json"]);
    t.is(r.status, 1, c);
    t.is(r.stderr, "", c);
    t.is(r.stdout, `${help}invalid value "x" for flag -var: No '=' value in arg: x\n`, c);
  }
});

test("build -on-error=bogus: Go's invalid-value error listing the choices, on stdout, exit 1", (t) => {
  const d = dir();
  const help = kilnIn(d, ["build", "-h"]).stdout;
  const r = kilnIn(d, ["build", "-on-error=bogus", "t.json"]);
  t.is(r.status, 1);
  t.is(r.stderr, "");
  t.is(r.stdout, `${help}invalid value "bogus" for flag -on-error: expected one of ["cleanup" "abort" "ask" "run-cleanup-provisioner"]\n`);
});

test("a template path that is not there: Packer's stat error before any parsing, on stdout, exit 1", (t) => {
  const d = dir();
  for (const c of ["build", "validate", "inspect", "console"]) {
    const r = kilnIn(d, [c, "nope.json"]);
    t.is(r.status, 1, c);
    t.is(r.stderr, "", c);
    t.is(r.stdout, `"nope.json": stat nope.json: no such file or directory\n`, c);
    const m = kilnIn(d, ["-machine-readable", c, "nope.json"]);
    t.is(m.status, 1, c);
    t.regex(m.stdout, /^\d+,,ui,error,"nope\.json": stat nope\.json: no such file or directory\n$/, c);
  }
});
