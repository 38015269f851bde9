import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDirSync } from "../fixtures/temp-dir.js";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const kiln = join(repo, "bin/kiln.js");

function workspace(t: { teardown: (f: () => void) => void }, files: Record<string, string>): string {
  const dir = tempDirSync("kiln-cli-hcl-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function runKiln(dir: string, args: string[], input?: string, env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [kiln, ...args], { cwd: dir, encoding: "utf8", input, env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env }, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TEMPLATE = `
variable "greeting" {
  type    = string
  default = "hello"
}

variable "api_token" {
  type      = string
  default   = "s3cr3t-token"
  sensitive = true
}

locals {
  files = ["one", "two"]
}

source "null" "first" {
  communicator = "none"
}

source "null" "second" {
  communicator = "none"
}

build {
  name    = "demo"
  sources = ["source.null.first", "source.null.second"]

  provisioner "shell-local" {
    environment_vars = ["TOKEN=\${var.api_token}"]
    inline = [<<-EOF
      set -e
      %{ for f in local.files ~}
      echo "\${var.greeting} \${f} from \${source.name}" >> out-\${source.name}.txt
      %{ endfor ~}
      test -n "$TOKEN"
      echo "token is $TOKEN"
    EOF
    ]
  }

  provisioner "shell-local" {
    only   = ["null.second"]
    inline = ["echo only-second > only-second.txt"]
  }
}
`;

test("kiln build runs an HCL2 template: heredoc script with %{for}, two sources, only on type.name, secrets masked", (t) => {
  t.timeout(90_000);
  const dir = workspace(t, { "build.pkr.hcl": TEMPLATE });
  const r = runKiln(dir, ["build", "-color=false", "-var", "greeting=hi", "build.pkr.hcl"]);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.is(readFileSync(join(dir, "out-first.txt"), "utf8"), "hi one from first\nhi two from first\n");
  t.is(readFileSync(join(dir, "out-second.txt"), "utf8"), "hi one from second\nhi two from second\n");
  t.is(readFileSync(join(dir, "only-second.txt"), "utf8"), "only-second\n");
  t.regex(r.stdout, /Build 'demo\.null\.first' finished after/);
  t.regex(r.stdout, /Build 'demo\.null\.second' finished after/);
  t.regex(r.stdout, /token is <sensitive>/);
  t.notRegex(r.stdout + r.stderr, /s3cr3t-token/);
});

test("kiln build -only selects HCL2 builds by buildname.type.name", (t) => {
  t.timeout(90_000);
  const dir = workspace(t, { "build.pkr.hcl": TEMPLATE });
  const r = runKiln(dir, ["build", "-color=false", "-only", "demo.null.second", "build.pkr.hcl"]);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /Build 'demo\.null\.second' finished after/);
  t.notRegex(r.stdout, /demo\.null\.first/);
});

test("kiln validate, inspect and console read an HCL2 folder with its .auto.pkrvars.hcl", (t) => {
  t.timeout(60_000);
  const dir = workspace(t, {
    "tpl/build.pkr.hcl": TEMPLATE,
    "tpl/greeting.auto.pkrvars.hcl": `greeting = "bonjour"\n`,
  });
  const v = runKiln(dir, ["validate", "tpl"]);
  t.is(v.status, 0, v.stdout + v.stderr);
  t.is(v.stdout, "");
  const i = runKiln(dir, ["inspect", "tpl"]);
  t.is(i.status, 0, i.stdout + i.stderr);
  t.regex(i.stdout, /^Packer Inspect: HCL2 mode\n/);
  t.regex(i.stdout, /var\.greeting: "bonjour"/);
  t.regex(i.stdout, /var\.api_token: "<sensitive>"/);
  t.regex(i.stdout, / {2}> demo:\n\n {4}sources:\n\n {6}null\.first\n\n {6}null\.second\n/);
  const c = runKiln(dir, ["console", "tpl"], 'upper(var.greeting)\nvar.api_token\n{ for f in local.files : f => length(f) }\n');
  t.is(c.status, 0, c.stdout + c.stderr);
  t.is(c.stdout, 'BONJOUR\n<sensitive>\n{\n  "one" = 3\n  "two" = 3\n}\n');
});

test("kiln validate prints HCL diagnostics with file and line for a syntax error, and -syntax-only passes a semantically broken file", (t) => {
  t.timeout(60_000);
  const dir = workspace(t, {
    "broken.pkr.hcl": `source "null" "x" {\n  communicator = \n}\n`,
    "semantic.pkr.hcl": `build {\n  sources = ["source.null.missing"]\n}\n`,
  });
  const r = runKiln(dir, ["validate", "broken.pkr.hcl"]);
  t.is(r.status, 1);
  t.regex(r.stdout, /Error: .*\n\n {2}on broken\.pkr\.hcl line [23]/);
  const s = runKiln(dir, ["validate", "-syntax-only", "semantic.pkr.hcl"]);
  t.is(s.status, 0, s.stdout);
  t.is(s.stdout, "Syntax-only check passed. Everything looks okay.\n");
  const full = runKiln(dir, ["validate", "semantic.pkr.hcl"]);
  t.is(full.status, 1);
  t.regex(full.stdout, /Error: Unknown source null\.missing/);
});

test("components of an HCL2 build see the source's own name as build_name, as Packer 1.6.6 (manifest, PACKER_BUILD_NAME)", (t) => {
  t.timeout(60_000);
  const dir = workspace(t, {
    "b.pkr.hcl": `
source "null" "n" {
  communicator = "none"
}
build {
  name = "bn"
  source "source.null.n" {
    name = "renamed"
  }
  provisioner "shell-local" {
    inline = ["echo bn={{build_name}} env=$PACKER_BUILD_NAME"]
  }
  post-processor "manifest" {
    output = "m.json"
  }
}
`,
  });
  const r = runKiln(dir, ["build", "-color=false", "b.pkr.hcl"]);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /bn\.null\.renamed: bn=n env=n/);
  const manifest = JSON.parse(readFileSync(join(dir, "m.json"), "utf8")) as { builds: { name: string }[] };
  t.deepEqual(manifest.builds.map((b) => b.name), ["n"]);
});

test("examples/hello-hcl builds as README says, with the files examples/hello makes", (t) => {
  t.timeout(90_000);
  const dir = workspace(t, {});
  const example = readFileSync(join(repo, "examples/hello-hcl/build.pkr.hcl"), "utf8");
  writeFileSync(join(dir, "build.pkr.hcl"), example);
  const r = runKiln(dir, ["build", "-color=false", "build.pkr.hcl"], undefined, { USER: "tester" });
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(readFileSync(join(dir, "output/greeting.txt"), "utf8"), /^hello, tester! Built at \d{4}-\d\d-\d\dT/);
  t.regex(r.stdout, /running local \(a null build\) on Linux/);
  const sums = spawnSync("sha256sum", ["-c", "greeting.sha256"], { cwd: join(dir, "output"), encoding: "utf8" });
  t.is(sums.status, 0, sums.stdout + sums.stderr);
  const manifest = JSON.parse(readFileSync(join(dir, "output/manifest.json"), "utf8")) as { builds: { name: string }[] };
  t.deepEqual(manifest.builds.map((b) => b.name).sort(), ["greeting", "local"]);
});

test("an HCL2 post-processor is announced by its name attribute, an unnamed one with an empty name, as Packer 1.6.6 prints them", (t) => {
  const dir = workspace(t, {
    "b.pkr.hcl": `source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  post-processor "shell-local" {
    inline = ["echo unnamed"]
  }
  post-processor "shell-local" {
    name   = "shell-local"
    inline = ["echo named after its type"]
  }
}
build {
  name    = "named"
  sources = ["source.null.x"]
  post-processor "shell-local" {
    name   = "mine"
    inline = ["echo named"]
  }
}
`,
  });
  const r = runKiln(dir, ["build", "-color=false", "b.pkr.hcl"]);
  t.is(r.status, 0, r.stderr + r.stdout);
  const announced = r.stdout.split("\n").filter((l) => l.includes("Running post-processor"));
  t.deepEqual(announced.sort(), [
    "==> named.null.x: Running post-processor: mine (type shell-local)",
    "==> null.x: Running post-processor:  (type shell-local)",
    "==> null.x: Running post-processor: shell-local",
  ]);
  // A post-processor's own output is prefixed with its type, whatever its name (Packer's TargetedUI).
  t.true(r.stdout.includes("    null.x (shell-local): unnamed\n"), r.stdout);
  t.true(r.stdout.includes("    named.null.x (shell-local): named\n"), r.stdout);
});

test("kiln inspect warns, before its listing, of a -var-file variable the template does not declare, as packer inspect does", (t) => {
  const dir = workspace(t, {
    "i.pkr.hcl": `variable "a" {\n  type    = string\n  default = ""\n}\nsource "null" "x" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.x"]\n}\n`,
    "v.pkrvars.hcl": `a = "x"\nundeclared = "y"\n`,
  });
  const r = runKiln(dir, ["inspect", "-var-file=v.pkrvars.hcl", "i.pkr.hcl"]);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^Warning: Undefined variable\n[\s\S]*A "undeclared" variable was set but was not found in known variables[\s\S]*> input-variables:\n\nvar\.a: "x"/);
});
