import test from "ava";
import { kilnIn, workspace } from "./kiln-process.js";

test("console evaluates each stdin line against the template's variables; a failing line exits 1", (t) => {
  const dir = workspace({ "t.json": { variables: { a: "x", b: "{{user `a`}}-y" }, builders: [{ type: "null", communicator: "none" }] } });
  const ok = kilnIn(dir, ["console", "t.json"], { stdin: "{{user `b`}}\n{{upper `abc`}}\n" });
  t.is(ok.status, 0, ok.stdout);
  t.is(ok.stdout, "x-y\nABC\n");
  const bad = kilnIn(dir, ["console", "t.json"], { stdin: "{{build_name}}\n{{user `a`}}\n" });
  t.is(bad.status, 1);
  t.regex(bad.stdout, /Error: Interpolation error\n\n.*build_name not available/s);
  t.regex(bad.stdout, /\nx\n$/);
});

test("fix rewrites deprecated keys and prints the fixed JSON", (t) => {
  const dir = workspace({
    "old.json": {
      builders: [
        { type: "virtualbox", iso_md5: "af4a1640c0c6f348c6c41f1ea9e192a2", iso_url: "http://x/a.iso", ssh_username: "v", ssh_wait_timeout: "10m", guest_additions_attach: true },
        { type: "docker", image: "alpine", commit: true, login_email: "me@example.com" },
        { type: "amazon-ebs", ami_name: "img {{isotime | clean_ami_name}}", region: "r" },
      ],
      "post-processors": [{ type: "docker-tag", repository: "r", tag: "1.0" }],
    },
  });
  const r = kilnIn(dir, ["fix", "old.json"]);
  t.is(r.status, 0, r.stderr);
  const fixed = JSON.parse(r.stdout) as { builders: Record<string, unknown>[]; "post-processors": Record<string, unknown>[] };
  t.deepEqual(fixed.builders[0], {
    type: "virtualbox-iso",
    iso_url: "http://x/a.iso",
    ssh_username: "v",
    iso_checksum: "md5:af4a1640c0c6f348c6c41f1ea9e192a2",
    guest_additions_mode: "attach",
    ssh_timeout: "10m",
  });
  t.false("login_email" in fixed.builders[1]);
  t.is(fixed.builders[2].ami_name, "img {{isotime | clean_resource_name}}");
  t.deepEqual(fixed["post-processors"][0], { type: "docker-tag", repository: "r", tags: ["1.0"] });
});
