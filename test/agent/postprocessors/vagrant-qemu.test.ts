/**
 * The vagrant post-processor on a real qemu build: a shell provisioner writes a marker into the
 * cached Debian base image (as an overlay, use_backing_file), the box comes out self-contained,
 * Debian's `vagrant box add` accepts it, and its box.img boots again through Kiln's qemu builder
 * with the marker inside: a working machine, not only a well-formed archive. (vagrant-libvirt's
 * `vagrant up` needs a management network on a private range, forbidden here.) TCG: slow.
 */
import test from "ava";
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { baseImage } from "../../fixtures/base-image.js";
import { build, qemuBuilder, qemuProcessesUsing, workspace } from "../builders/qemu-harness.js";
import { tempDir } from "../../fixtures/temp-dir.js";

const run = promisify(execFile);
const vagrantInstalled = await run("sh", ["-c", "command -v vagrant"]).then(() => true, () => false);
if (!vagrantInstalled) console.log("vagrant-qemu.test: `vagrant` is not installed (apt install vagrant; .ci/run does): skipped");

(vagrantInstalled ? test : test.skip)("qemu build → vagrant libvirt box → vagrant box add → box.img boots with the provisioner's marker", async (t) => {
  t.timeout(12 * 60_000);
  const base = await baseImage();
  const dir = workspace({
    builders: [qemuBuilder(base, { use_backing_file: true, host_port_min: 26500, host_port_max: 26999 })],
    provisioners: [{ type: "shell", inline: ["echo from-kiln-box > /root/kiln-box-marker", "sync"] }],
    "post-processors": [{ type: "vagrant", output: "{{.BuildName}}.box" }],
  });
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const first = await build(dir);
  t.is(first.status, 0, first.out);
  t.regex(first.out, /Creating Vagrant box for 'libvirt' provider/);
  t.regex(first.out, /'libvirt' provider box: qemu\.box/);

  const home = await tempDir("kiln-vagrant-home-");
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const env = { ...process.env, VAGRANT_HOME: home, VAGRANT_CHECKPOINT_DISABLE: "1" };
  await run("vagrant", ["box", "add", "--name", "kiln/debian", join(dir, "qemu.box")], { env, timeout: 180_000 });
  t.regex((await run("vagrant", ["box", "list"], { env, timeout: 60_000 })).stdout, /^kiln\/debian\s+\(libvirt, 0\)/m);

  // Boot the image vagrant unpacked, from a fresh folder: nothing of the first build is needed.
  const boxImage = join(home, "boxes/kiln-VAGRANTSLASH-debian/0/libvirt/box.img");
  const info = JSON.parse((await run("qemu-img", ["info", "--output=json", boxImage])).stdout) as Record<string, unknown>;
  t.is(info["backing-filename"], undefined);
  const again = workspace({
    builders: [qemuBuilder(boxImage, { use_backing_file: true, host_port_min: 26500, host_port_max: 26999 })],
    provisioners: [{ type: "shell", inline: ["cat /root/kiln-box-marker"] }],
  });
  t.teardown(() => rm(again, { recursive: true, force: true }));
  const second = await build(again);
  t.is(second.status, 0, second.out);
  t.regex(second.out, /from-kiln-box/);
  t.deepEqual(qemuProcessesUsing(dir), []);
  t.deepEqual(qemuProcessesUsing(again), []);
});
