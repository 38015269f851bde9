/**
 * The warnings of Packer's builder Prepare ("A checksum of 'none' was specified…", "A
 * shutdown_command was not specified…", deprecated keys, vmx_data collisions, blank file
 * content), printed by `validate` and `build` as the real packer 1.6.6 prints them: said for a
 * JSON template whose builds prepared, together with the errors when there are some (and then only
 * for the builds that prepared), and at the source block in an HCL2 template (there also beside a
 * builder's own errors). Each case runs the live packer 1.6.6 beside Kiln.
 */
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kilnIn, workspace } from "./kiln-process.js";
import { havePacker166, runPacker } from "../../fixtures/packer-cli.js";

const havePacker = await havePacker166();
if (!havePacker) console.log("validate-warnings: skipped, packer 1.6.6 is not on PATH (apt install packer)");

const SSH = { ssh_username: "root", ssh_password: "pw" };
const WARNING_BUILDS = {
  builders: [
    { type: "qemu", name: "q", iso_url: "x.iso", iso_checksum: "none", ...SSH, ssh_host_port_min: 2000, ssh_host_port_max: 2100 },
    { type: "virtualbox-iso", name: "v", iso_url: "x.iso", iso_checksum: `sha256:${"0".repeat(64)}`, ...SSH },
    { type: "vmware-iso", name: "w", iso_url: "x.iso", iso_checksum: "none", ...SSH, shutdown_command: "halt", vmx_data: { memsize: "1024", numvcpus: "2" } },
    { type: "file", name: "f", target: "out.txt" },
    // Types Kiln checks from Packer's key tables (it cannot build them) warn too.
    { type: "hyperv-iso", name: "h", iso_url: "x.iso", iso_checksum: "none", ...SSH },
    { type: "parallels-iso", name: "p", iso_url: "x.iso", iso_checksum: "none", ...SSH, parallels_tools_flavor: "lin" },
    {
      type: "amazon-ebs", name: "a", region: "us-east-1", source_ami: "ami-12345678", instance_type: "t2.micro", ssh_username: "ubuntu",
      ami_name: "kiln-test-ami", spot_price: "auto", spot_price_auto_product: "Linux/UNIX", access_key: "AK", secret_key: "SK",
    },
  ],
};
/** Build "a" fails (and its ISO warning is not shown); "b" and "c" prepared and warn. */
const WARNINGS_AND_AN_ERROR = {
  builders: [
    { type: "qemu", name: "a", iso_url: "x.iso", iso_checksum: "none", ...SSH, format: "bogus" },
    { type: "file", name: "b", target: "out.txt" },
    { type: "qemu", name: "c", iso_url: "x.iso", iso_checksum: "none", ...SSH },
  ],
};
const HCL = `source "qemu" "x" {
  iso_url           = "x.iso"
  iso_checksum      = "none"
  ssh_username      = "root"
  ssh_password      = "pw"
  ssh_host_port_min = 2000
}
source "virtualbox-iso" "y" {
  iso_url      = "x.iso"
  iso_checksum = "none"
}
source "file" "z" {
  target  = "out.txt"
  content = "hi"
}
build {
  sources = ["source.qemu.x", "source.file.z"]
}
`;
const HCL_WITH_A_FAILING_BUILDER = HCL.replace(`"source.qemu.x", "source.file.z"`, `"source.virtualbox-iso.y", "source.qemu.x"`);

async function packer(dir: string, args: string[]): Promise<{ status: number | null; stdout: string }> {
  const r = await runPacker(args, { cwd: dir, killAfterMs: 60_000, env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: "1" }, retryOnTimeout: true });
  return { status: r.status, stdout: r.stdout };
}

/** Kiln adds `file:line:col (field "x")` under an error; Packer's text is everything else. */
const packerText = (kiln: string): string => kiln.replace(/^\S+:\d+:\d+( \(field "[^"]*"\))?\n\n?/gm, "").replace(/\n\n\n\n/g, "\n\n\n");
const untimed = (text: string): string => text.replace(/^\d+,/gm, "T,");

for (const [name, template, file] of [
  ["builds that all prepared: said, exit 0", WARNING_BUILDS, "w.json"],
  ["a failed build among them: written with the error, exit 1", WARNINGS_AND_AN_ERROR, "e.json"],
  ["an HCL2 template: at the source block", HCL, "t.pkr.hcl"],
  ["an HCL2 template whose builder fails: its warning beside its error", HCL_WITH_A_FAILING_BUILDER, "f.pkr.hcl"],
] as const) {
  (havePacker ? test : test.skip)(`validate warnings as packer 1.6.6 — ${name}`, async (t) => {
    const dir = workspace({ [file]: template });
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const p = await packer(dir, ["validate", file]);
    const k = kilnIn(dir, ["validate", file]);
    t.is(k.status, p.status, k.stdout + k.stderr);
    t.regex(p.stdout, /Warning: /, "the case shows packer warning");
    t.is(packerText(k.stdout), p.stdout);
    const pm = await packer(dir, ["validate", "-machine-readable", file]);
    const km = kilnIn(dir, ["validate", "-machine-readable", file]);
    t.is(untimed(km.stdout).replace(/\\n\\n\S+:\d+:\d+ \(field "[^"]*"\)/g, ""), untimed(pm.stdout));
  });
}

(havePacker ? test : test.skip)("build says the warnings before the colour lines, as packer 1.6.6 does", async (t) => {
  const dir = workspace({ "b.json": { builders: [{ type: "file", name: "f", target: "out.txt" }] } });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const p = await packer(dir, ["build", "-machine-readable", "b.json"]);
  rmSync(join(dir, "out.txt"), { force: true });
  const k = kilnIn(dir, ["build", "-machine-readable", "b.json"]);
  t.is(k.status, 0, k.stdout + k.stderr);
  const firstLines = (text: string): string[] => untimed(text).split("\n").slice(0, 1);
  t.deepEqual(firstLines(k.stdout), firstLines(p.stdout));
  t.regex(k.stdout, /ui,say,Warning: Warning when preparing build: "f"\\n\\nBoth source file and contents are blank/);
  const plain = kilnIn(dir, ["build", "-force", "-color=false", "b.json"]);
  t.true(plain.stdout.startsWith('Warning: Warning when preparing build: "f"\n\nBoth source file and contents are blank; target will have no content\n\n\n'), plain.stdout);
});

test("a template without warnings validates silently", (t) => {
  const dir = workspace({ "ok.json": { builders: [{ type: "file", target: "out.txt", content: "x" }] } });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "x.iso"), "");
  const k = kilnIn(dir, ["validate", "ok.json"]);
  t.is(k.status, 0);
  t.is(k.stdout, "");
});
