import test from "ava";
import { join } from "node:path";
import { kilnIn, workspace } from "./kiln-process.js";

test("validate prints nothing and exits 0 for a valid template; -syntax-only says so", (t) => {
  const dir = workspace({ "t.json": { builders: [{ type: "null", communicator: "none" }] } });
  t.deepEqual(kilnIn(dir, ["validate", "t.json"]), { status: 0, stdout: "", stderr: "" });
  const r = kilnIn(dir, ["validate", "-syntax-only", "t.json"]);
  t.is(r.status, 0);
  t.is(r.stdout, "Syntax-only check passed. Everything looks okay.\n");
});

test("validate reports the first failing component of each build, builds sorted by name, with file:line:col", (t) => {
  const dir = workspace({
    "t.json": {
      builders: [
        { type: "qemu", name: "zz-qemu", iso_url: "https://example.invalid/d.iso", iso_checksum: "none", ssh_username: "root", format: "vdi" },
        { type: "docker", name: "aa-docker" },
      ],
    },
  });
  const r = kilnIn(dir, ["validate", "t.json"]);
  t.is(r.status, 1);
  const aa = r.stdout.indexOf('Error: Failed to prepare build: "aa-docker"');
  const zz = r.stdout.indexOf('Error: Failed to prepare build: "zz-qemu"');
  t.true(aa >= 0 && zz > aa, r.stdout);
  t.regex(r.stdout, /2 error\(s\) occurred:\n\n\* Image must be specified\n\* No instructions given for handling the artifact; expected commit, discard, or\nexport_path/);
  t.regex(r.stdout, /invalid format, only 'qcow2' or 'raw' are allowed/);
  t.regex(r.stdout, /t\.json:\d+:\d+ \(field "format"\)/);
});

test("an unknown type fails initialisation (naming its file and line); a Packer type Kiln cannot build is checked against Packer's keys, noted once", (t) => {
  const dir = workspace({
    "unknown.json": { builders: [{ type: "no-such-builder" }] },
    "unknown-pp.json": { builders: [{ type: "null", communicator: "none" }], "post-processors": [{ type: "atlas", artifact: "a/b" }] },
    "known.json": {
      builders: [{ type: "null", communicator: "none" }, { type: "null", name: "second", communicator: "none" }],
      // Folders that exist: chef-solo stats its cookbook paths, as Packer does.
      provisioners: [{ type: "chef-solo", cookbook_paths: ["."] }, { type: "chef-solo", cookbook_paths: [".."] }, { type: "powershell", inline: ["Write-Host"] }],
    },
    "bogus.json": { builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "chef-solo", bogus_key: 1 }] },
  });
  const u = kilnIn(dir, ["validate", "unknown.json"]);
  t.is(u.status, 1);
  t.regex(u.stdout, /Failed to initialize build "no-such-builder"\n\nerror initializing builder 'no-such-builder': Unknown builder no-such-builder/);
  const pp = kilnIn(dir, ["validate", "unknown-pp.json"]);
  t.is(pp.status, 1);
  t.regex(pp.stdout, /error initializing post-processor 'atlas': Unknown post-processor atlas/);
  t.regex(pp.stdout, /unknown-pp\.json:\d+:\d+ \(field "type"\)/);
  const k = kilnIn(dir, ["validate", "known.json"]);
  t.is(k.status, 0, k.stdout);
  t.is(k.stderr, "Note: chef-solo (provisioner), powershell (provisioner): checked against Packer 1.6.6's keys and the rules Kiln knows of them; Kiln cannot build these types yet.\n");
  const b = kilnIn(dir, ["validate", "bogus.json"]);
  t.is(b.status, 1);
  t.regex(b.stdout, /unknown configuration key: '"bogus_key"'/);
});

test("inspect lists variables, builders sorted and padded, provisioners, masking sensitive values", (t) => {
  const dir = workspace({
    "t.json": {
      description: "demo",
      variables: { db_password: "hunter2", also_hunter2: "hunter2", region: "us-east-1", needed: null },
      "sensitive-variables": ["db_password"],
      builders: [{ type: "null", name: "zeta", communicator: "none" }, { type: "file", name: "alpha", target: "x", content: "y" }, { type: "null", communicator: "none" }],
      provisioners: [{ type: "shell-local", inline: ["true"] }],
    },
  });
  const r = kilnIn(dir, ["inspect", "t.json"]);
  t.is(r.status, 0);
  t.is(
    r.stdout,
    [
      "Packer Inspect: JSON mode", "Description:", "", "demo", "", "Required variables:", "", "  needed", "",
      "Optional variables and their defaults:", "", "  also_<sensitive> = <sensitive>", "  db_password  = <sensitive>", "  region       = us-east-1", "",
      "Builders:", "", "  alpha (file)", "  null ", "  zeta  (null)", "", "Provisioners:", "", "  shell-local", "",
      "Note: If your build names contain user variables or template",
      "functions such as 'timestamp', these are processed at build time,",
      "and therefore only show in their raw form here.", "",
    ].join("\n"),
  );
  const m = kilnIn(dir, ["-machine-readable", "inspect", "t.json"]);
  t.is(m.status, 0);
  t.notRegex(m.stdout, /hunter2/);
  t.regex(m.stdout, /^\d+,,template-variable,needed,,1$/m);
  t.regex(m.stdout, /^\d+,,template-builder,alpha,file$/m);
  t.regex(m.stdout, /^\d+,,ui,say,\\nNote: If your build names contain user variables or template\\nfunctions such as 'timestamp'%!\(PACKER_COMMA\) these/m);
});

test("a template that does not parse: same message for validate and inspect, exit 1", (t) => {
  const dir = workspace({ "bad.json": '{\n  "builders": [\n    {"type": "null",}\n  ]\n}\n' });
  for (const cmd of ["validate", "inspect"]) {
    const r = kilnIn(dir, [cmd, "bad.json"]);
    t.is(r.status, 1);
    t.regex(r.stdout, /^Failed to parse template: Error parsing JSON: invalid character '}' looking for beginning of object key string/);
  }
});

test("validate runs `ansible-playbook --version` as Packer does: a missing program fails, skip_version_check skips it", (t) => {
  const dir = workspace({
    "p.yml": "- hosts: all\n  tasks: []\n",
    "a.json": { builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "ansible", playbook_file: "p.yml" }] },
    "skip.json": { builders: [{ type: "null", communicator: "none" }], provisioners: [{ type: "ansible", playbook_file: "p.yml", skip_version_check: true }] },
  });
  const missing = kilnIn(dir, ["validate", "a.json"], { env: { PATH: join(dir, "no-such-bin") } });
  t.is(missing.status, 1);
  t.regex(missing.stdout.replace(/\s+/g, " "), /Error running "ansible-playbook --version": exec: "ansible-playbook": executable file not found in \$PATH/);
  t.is(kilnIn(dir, ["validate", "skip.json"], { env: { PATH: join(dir, "no-such-bin") } }).status, 0);
});

test("a post-processor Kiln cannot run: the advice names -except=<post-processor>, and that build then runs", (t) => {
  const dir = workspace({
    "t.json": { builders: [{ type: "null", communicator: "none" }], "post-processors": [{ type: "googlecompute-export", name: "export", paths: ["gs://b/x.tar.gz"] }] },
  });
  const refused = kilnIn(dir, ["build", "t.json"]);
  t.is(refused.status, 1);
  t.regex((refused.stdout + refused.stderr).replace(/\s+/g, " "), /Use -except=export to build without that post-processor, or -except=null to skip the build/);
  const r = kilnIn(dir, ["build", "-except=export", "t.json"]);
  t.is(r.status, 0, r.stdout + r.stderr);
});
