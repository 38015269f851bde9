/**
 * `kiln build -warm` with the qemu builder on the cached Debian base image, real QEMU (TCG):
 * the first build boots cold and saves the guest as it was when sshd answered; two builds at
 * once then restore that one snapshot; their outputs boot again, and carry the same provisioned
 * files and the same /etc as the cold build's output, while their random pools and clocks were
 * fixed up after the restore.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { baseImage } from "../../fixtures/base-image.js";
import { build, qemuBuilder, qemuProcessesUsing, workspace } from "./qemu-harness.js";

const PORTS = { host_port_min: 27000, host_port_max: 27999 };

/** What each build writes, and what it prints about the guest it ran in. */
const provision = {
  type: "shell",
  inline: [
    "echo provisioned-by-{{build_name}} > /root/warm-marker",
    "echo uuid=$(cat /proc/sys/kernel/random/uuid)",
    "echo clock=$(date -u +%s)",
    "sync",
  ],
};

/** Boots each image as a disk_image build and prints the marker and a digest of /etc. */
const inspect = {
  type: "shell",
  inline: [
    "echo marker=$(cat /root/warm-marker)",
    // Files the boot itself rewrites (resolver, seeds) would differ between any two boots.
    "echo etc=$(cd /etc && find . -type f ! -name resolv.conf ! -name adjtime ! -path './ssh/ssh_host_*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)",
  ],
};

test("-warm: a cold build saves the booted guest; two builds at once restore it; the outputs boot with the same files and /etc as the cold one", async (t) => {
  t.timeout(15 * 60_000);
  const base = await baseImage();
  const cache = workspace({});
  t.teardown(() => rmSync(cache, { recursive: true, force: true }));
  const env = { KILN_CACHE_DIR: join(cache, "cache") };

  const cold = workspace({ builders: [qemuBuilder(base, { ...PORTS, name: "cold" })], provisioners: [provision] });
  t.teardown(() => rmSync(cold, { recursive: true, force: true }));
  const first = await build(cold, ["-warm"], env);
  t.is(first.status, 0, first.out);
  t.regex(first.out, /-warm: no snapshot for this image and VM shape yet; booting cold and saving one/);
  t.regex(first.out, /warm snapshot saved/);
  t.is(readdirSync(join(cache, "cache/kiln-warm")).filter((f) => /^[0-9a-f]{32}$/.test(f)).length, 1);

  const warm = workspace({
    builders: [qemuBuilder(base, { ...PORTS, name: "w1", output_directory: "out1" }), qemuBuilder(base, { ...PORTS, name: "w2", output_directory: "out2" })],
    provisioners: [provision],
  });
  t.teardown(() => rmSync(warm, { recursive: true, force: true }));
  const started = Date.now();
  const second = await build(warm, ["-warm"], env);
  t.is(second.status, 0, second.out);
  t.log(`two warm builds at once: ${((Date.now() - started) / 1000).toFixed(1)} s; the cold one: ${/Build 'cold' finished after ([^.]*)/.exec(first.out)?.[1]}`);
  t.is((second.out.match(/Starting VM, restoring the warm snapshot/g) ?? []).length, 2);
  t.is((second.out.match(/guest clock set to the host's time, random pool reseeded/g) ?? []).length, 2);
  const uuids = [...second.out.matchAll(/(w[12]): uuid=(\S+)/g)].map((m) => m[2]);
  t.is(uuids.length, 2);
  t.not(uuids[0], uuids[1], "the two restored guests' random pools diverged");
  for (const clock of [...second.out.matchAll(/clock=(\d+)/g)].map((m) => Number(m[1]))) t.true(Math.abs(clock - Date.now() / 1000) < 120, `guest clock ${clock}`);
  for (const out of ["out1", "out2"]) {
    const info = JSON.parse(spawnSync("qemu-img", ["info", "--output=json", join(warm, out, "built.qcow2")], { encoding: "utf8" }).stdout) as Record<string, unknown>;
    t.is(info["backing-filename"], undefined, `${out} is a whole disk like a cold build's, not an overlay of the snapshot`);
  }

  const check = workspace({
    builders: [
      qemuBuilder(join(cold, "out/built.qcow2"), { ...PORTS, name: "from-cold", output_directory: "c1", use_backing_file: true }),
      qemuBuilder(join(warm, "out1/built.qcow2"), { ...PORTS, name: "from-warm", output_directory: "c2", use_backing_file: true }),
    ],
    provisioners: [inspect],
  });
  t.teardown(() => rmSync(check, { recursive: true, force: true }));
  const third = await build(check, [], env);
  t.is(third.status, 0, third.out);
  t.regex(third.out, /from-cold: marker=provisioned-by-cold/);
  t.regex(third.out, /from-warm: marker=provisioned-by-w1/);
  const etc = Object.fromEntries([...third.out.matchAll(/(from-\w+): etc=(\w+)/g)].map((m) => [m[1], m[2]]));
  t.truthy(etc["from-cold"]);
  t.is(etc["from-warm"], etc["from-cold"], "the warm output's /etc is the cold output's");
  for (const dir of [cold, warm, check]) t.deepEqual(qemuProcessesUsing(dir), []);
  t.deepEqual(readdirSync(join(cache, "cache/kiln-warm")).filter((f) => f.startsWith(".")), [], "no half-written snapshot left");
});
