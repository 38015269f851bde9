/**
 * `kiln init` on configurations written for Packer 1.7+ (`packer init .` before `packer build .`):
 * nothing to download, each required plugin listed with the built-in components that stand for
 * it; a plugin Kiln has none of fails, naming it and where it is required; JSON templates are
 * refused as Packer's init refuses them.
 */
import test from "ava";
import { rmSync } from "node:fs";
import { kilnIn, workspace } from "./kiln-process.js";

const PLUGINS = `packer {
  required_plugins {
    docker = {
      version = ">= 0.0.7"
      source  = "github.com/hashicorp/docker"
    }
    qemu = {
      source  = "github.com/hashicorp/packer-plugin-qemu"
      version = "~> 1"
    }
  }
}
`;

const SOURCE = `source "null" "n" {
  communicator = "none"
}
build {
  sources = ["source.null.n"]
}
`;

function dir(t: { teardown(fn: () => void): void }, files: Record<string, unknown>): string {
  const d = workspace(files);
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test("init lists each required plugin with Kiln's built-in components for it, installs nothing, exits 0", (t) => {
  const d = dir(t, { "plugins.pkr.hcl": PLUGINS, "build.pkr.hcl": SOURCE });
  const r = kilnIn(d, ["init", "."]);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.is(
    r.stdout,
    "github.com/hashicorp/docker >= 0.0.7: built into Kiln (docker, docker-import, docker-push, docker-save, docker-tag); nothing to install\n" +
      "github.com/hashicorp/packer-plugin-qemu ~> 1: built into Kiln (qemu); nothing to install\n",
  );
  t.is(r.stderr, "");
  t.is(kilnIn(d, ["init", "-upgrade", "build.pkr.hcl"]).stdout, "", "a file without a packer block requires nothing");
  t.is(kilnIn(d, ["validate", "."]).status, 0, "and the configuration validates");
});

test("a plugin Kiln has none of fails init with its source and where it is required; the others are still listed", (t) => {
  const third = PLUGINS.replace("  }\n}\n", '    windows-update = {\n      source  = "github.com/rgl/windows-update"\n      version = "0.14.1"\n    }\n  }\n}\n');
  const d = dir(t, { "plugins.pkr.hcl": third, "build.pkr.hcl": SOURCE });
  const r = kilnIn(d, ["init", "."]);
  t.is(r.status, 1);
  t.regex(r.stdout, /^github\.com\/hashicorp\/docker >= 0\.0\.7: built into Kiln/m);
  t.regex(r.stderr, /Failed getting the "github\.com\/rgl\/windows-update" plugin:\nKiln does not load Packer plugins.*required as "windows-update" at plugins\.pkr\.hcl:11/);
  // A plugin of another namespace is not taken for Kiln's own even when its name is one of Kiln's.
  const lookalike = dir(t, { "p.pkr.hcl": 'packer {\n  required_plugins {\n    docker = {\n      source = "github.com/someone/docker"\n    }\n  }\n}\n' });
  t.is(kilnIn(lookalike, ["init", "."]).status, 1);
});

test("init refuses a JSON template as Packer's init does, and reports a broken configuration", (t) => {
  const d = dir(t, { "t.json": { builders: [{ type: "null", communicator: "none" }] }, "bad.pkr.hcl": "packer {\n" });
  const json = kilnIn(d, ["init", "t.json"]);
  t.is(json.status, 1);
  t.is(json.stdout, "Error: Packer init is supported for HCL2 configuration templates only\n\nPlease manually install plugins or use a HCL2 configuration that will do that\nfor you.\n\n");
  const bad = kilnIn(d, ["init", "bad.pkr.hcl"]);
  t.is(bad.status, 1);
  t.regex(bad.stdout, /Error: .*\n\n  on bad\.pkr\.hcl line/);
  const twice = dir(t, { "a.pkr.hcl": PLUGINS, "b.pkr.hcl": PLUGINS });
  const dup = kilnIn(twice, ["init", "."]);
  t.is(dup.status, 1);
  t.regex(dup.stdout, /Duplicate required_plugin\."docker" block/);
});

test("kiln --help lists init", (t) => {
  t.regex(kilnIn(process.cwd(), ["--help"]).stdout + kilnIn(process.cwd(), ["--help"]).stderr, /^ {4}init +check the plugins a configuration requires/m);
});
