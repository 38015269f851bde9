/**
 * The vagrant post-processor on a real libvirt build: the provisioned artifact volume (an overlay
 * on the base image) becomes a self-contained libvirt box that Debian's `vagrant box add` accepts;
 * the box's metadata and image are read back; then the box.img vagrant unpacked is built on again
 * through the libvirt builder's `external` source (checksum-checked, uploaded into a pool volume
 * through libvirtd) and the marker is there. TCG: slow.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { baseImage } from "../../fixtures/base-image.js";
import { domainNames, ensureLibvirtd, LIBVIRT_URI, libvirtUnavailable, testPool } from "../../fixtures/libvirtd.js";
import { build, workspace } from "../builders/qemu-harness.js";
import { tempDir } from "../../fixtures/temp-dir.js";

const run = promisify(execFile);
const vagrantInstalled = await run("sh", ["-c", "command -v vagrant"]).then(() => true, () => false);
const why = libvirtUnavailable() ?? (vagrantInstalled ? undefined : "`vagrant` is not installed (apt install vagrant; .ci/run does)");
if (why) console.log(`vagrant-libvirt.test: skipped: ${why}`);

const builder = (name: string, volume: Record<string, unknown>): Record<string, unknown> => ({
  type: "libvirt",
  libvirt_uri: LIBVIRT_URI,
  domain_type: "qemu",
  domain_name: name,
  memory: 512,
  network_interface: [{ type: "user" }],
  communicator: { communicator: "ssh", ssh_username: "root", ssh_password: "packer", ssh_timeout: "4m" },
  volume: [{ bus: "virtio", ...volume }],
  ssh_host_port_min: 29500,
  ssh_host_port_max: 29999,
  shutdown_mode: "acpi",
});

(why ? test.skip : test)("libvirt build → vagrant box → vagrant box add → box.img built on again through an external volume source", async (t) => {
  t.timeout(12 * 60_000);
  const domains = [`kiln-vagrant-a-${process.pid}`, `kiln-vagrant-b-${process.pid}`];
  await ensureLibvirtd();
  const pool = await testPool("vagrant");
  t.teardown(() => pool.remove());
  const base = await baseImage();
  const dir = workspace({
    builders: [builder(domains[0], { pool: pool.name, name: "boxed.qcow2", source: { type: "backing-store", path: base } })],
    provisioners: [{ type: "shell", inline: ["echo from-libvirt-box > /root/kiln-box-marker", "sync"] }],
    "post-processors": [{ type: "vagrant", output: "{{.BuildName}}.box" }],
  });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await build(dir);
  t.is(first.status, 0, first.out);
  t.regex(first.out, /Creating Vagrant box for 'libvirt' provider/);

  const home = await tempDir("kiln-vagrant-home-");
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const env = { ...process.env, VAGRANT_HOME: home, VAGRANT_CHECKPOINT_DISABLE: "1" };
  await run("vagrant", ["box", "add", "--name", "kiln/libvirt", join(dir, "libvirt.box")], { env, timeout: 180_000 });
  t.regex((await run("vagrant", ["box", "list"], { env, timeout: 60_000 })).stdout, /^kiln\/libvirt\s+\(libvirt, 0\)/m);
  const boxDir = join(home, "boxes/kiln-VAGRANTSLASH-libvirt/0/libvirt");
  const metadata = JSON.parse(await readFile(join(boxDir, "metadata.json"), "utf8")) as { provider: string; format: string; virtual_size: number };
  t.is(metadata.provider, "libvirt");
  t.is(metadata.format, "qcow2");
  const boxImage = join(boxDir, "box.img");
  const info = JSON.parse((await run("qemu-img", ["info", "--output=json", boxImage])).stdout) as { format: string; "virtual-size": number; "backing-filename"?: string };
  t.is(info.format, "qcow2");
  t.is(info["backing-filename"], undefined, "the box holds a standalone image");
  t.is(metadata.virtual_size, Math.ceil(info["virtual-size"] / 1024 ** 3));

  const sha256 = createHash("sha256").update(await readFile(boxImage)).digest("hex");
  const again = workspace({
    builders: [builder(domains[1], { pool: pool.name, name: "from-box.qcow2", format: "qcow2", capacity: "3G", source: { type: "external", urls: [`file://${boxImage}`], checksum: `sha256:${sha256}` } })],
    provisioners: [{ type: "shell", inline: ["cat /root/kiln-box-marker", "df -h / | tail -1"] }],
  });
  t.teardown(() => rm(again, { recursive: true, force: true }));
  const second = await build(again);
  t.is(second.status, 0, second.out);
  t.regex(second.out, /Uploading .* into volume .*from-box\.qcow2/);
  t.regex(second.out, /from-libvirt-box/);
  // Only this run's domains: a leftover of another run (killed mid-test) is not this test's doing.
  t.deepEqual((await domainNames()).filter((d) => domains.includes(d)), [], `no build domain is left behind:\n${first.out}\n${second.out}`);
  t.deepEqual((await pool.volumes()).sort(), ["boxed.qcow2", "from-box.qcow2"]);
});
