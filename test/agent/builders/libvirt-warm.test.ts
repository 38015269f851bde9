/**
 * `kiln build -warm` with the libvirt builder against the real libvirtd (qemu:///system, TCG), on
 * the tests' base image: the first build boots cold and saves the guest when its sshd answered;
 * the second restores it into a fresh domain on its own overlay, gets the guest fix-ups, and its
 * artifact volume boots and carries the provisioned file. Two TCG boots: the capture and the check.
 */
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { baseImage, BASE_IMAGE_ROOT_PASSWORD } from "../../fixtures/base-image.js";
import { domainNames, ensureLibvirtd, LIBVIRT_URI, libvirtUnavailable, testPool, virsh, type TestPool } from "../../fixtures/libvirtd.js";
import { bootOutputImage, build, sshExec, workspace } from "./qemu-harness.js";
import { tempDir } from "../../fixtures/temp-dir.js";

const unavailable = libvirtUnavailable();
if (unavailable) {
  test("libvirt -warm test skipped", (t) => {
    t.log(`skipped: ${unavailable}`);
    t.pass();
  });
}
const libvirtTest = unavailable ? test.skip : test.serial;

function warmBuilder(base: string, pool: TestPool, name: string): Record<string, unknown> {
  return {
    type: "libvirt",
    name,
    libvirt_uri: LIBVIRT_URI,
    domain_type: "qemu",
    domain_name: `kiln-warm-${process.pid}-${name}`,
    memory: 512,
    network_interface: [{ type: "user", alias: "communicator" }],
    network_address_source: "agent",
    communicator: { communicator: "ssh", ssh_username: "root", ssh_password: BASE_IMAGE_ROOT_PASSWORD, ssh_timeout: "4m" },
    volume: [
      { alias: "artifact", pool: pool.name, name: `${name}.qcow2`, bus: "virtio", capacity: "3G", source: { type: "backing-store", path: base } },
      { pool: pool.name, bus: "sata", source: { type: "cloud-init", user_data: "#cloud-config\n{}\n" } },
    ],
    ssh_host_port_min: 26000,
    ssh_host_port_max: 26499,
    shutdown_mode: "acpi",
    shutdown_timeout: "2m",
  };
}

const provision = { type: "shell", inline: ["echo provisioned-by-{{build_name}} > /root/warm-marker", "echo uuid=$(cat /proc/sys/kernel/random/uuid)", "sync"] };

libvirtTest("-warm: a first libvirt build saves the booted guest, a second restores it into a fresh domain; the restored build's volume boots with the provisioned file", async (t) => {
  t.timeout(15 * 60_000);
  await ensureLibvirtd();
  const pool = await testPool("warm");
  t.teardown(() => pool.remove());
  const base = await baseImage();
  const cache = await tempDir("kiln-libvirt-warm-cache-");
  t.teardown(() => rmSync(cache, { recursive: true, force: true }));
  const env = { KILN_CACHE_DIR: cache };
  const domains = [warmBuilder(base, pool, "cold"), warmBuilder(base, pool, "warm")].map((b) => String(b.domain_name));
  // A build that died mid-way must not leave its domain to the next test: destroy and undefine.
  t.teardown(async () => {
    for (const d of domains) {
      await virsh("destroy", d).catch(() => undefined);
      await virsh("undefine", d).catch(() => undefined);
    }
  });

  const coldDir = workspace({ builders: [warmBuilder(base, pool, "cold")], provisioners: [provision] });
  t.teardown(() => rmSync(coldDir, { recursive: true, force: true }));
  const first = await build(coldDir, ["-warm"], env);
  t.is(first.status, 0, first.out);
  t.regex(first.out, /cold: -warm: no snapshot for this image and domain shape yet; booting cold and saving one/);
  t.regex(first.out, /cold: warm snapshot saved: /);
  const root = path.join(cache, "kiln-warm");
  const saved = readdirSync(root).filter((n) => /^[0-9a-f]{32}$/.test(n));
  t.is(saved.length, 1);
  const meta = JSON.parse(readFileSync(path.join(root, saved[0]!, "meta.json"), "utf8")) as { builder: string; stateBytes: number };
  t.is(meta.builder, "libvirt");
  t.true(meta.stateBytes > 1024 * 1024, `the saved state holds the guest's RAM (${meta.stateBytes} bytes)`);

  const warmDir = workspace({ builders: [warmBuilder(base, pool, "warm")], provisioners: [provision] });
  t.teardown(() => rmSync(warmDir, { recursive: true, force: true }));
  const second = await build(warmDir, ["-warm"], env);
  t.is(second.status, 0, second.out);
  t.regex(second.out, new RegExp(`warm: -warm: restoring the guest booted from this image \\(snapshot ${saved[0]}\\)`));
  t.regex(second.out, /warm: Restoring the warm snapshot into the domain/);
  t.regex(second.out, /warm: -warm: guest clock set to the host's time, random pool reseeded/);
  t.notRegex(second.out, /no snapshot for this image/);
  for (const [what, out] of [["capture", first.out], ["restore", second.out]] as const) t.log(`${what} build: ${/Build '\w+' finished after ([^.\n]*)/.exec(out)?.[1] ?? "?"}`);
  const uuids = [first.out, second.out].map((o) => /uuid=(\S+)/.exec(o)?.[1]);
  t.truthy(uuids[1]);
  t.not(uuids[0], uuids[1], "the restored guest's random pool is not the saved one's");

  // Nothing of either build is left in libvirt but the two artifact volumes; no staging folder.
  const left = await domainNames();
  for (const d of domains) t.false(left.includes(d), `domain ${d} is gone`);
  t.deepEqual((await pool.volumes()).sort(), ["cold.qcow2", "warm.qcow2"]);
  t.deepEqual(readdirSync(root).filter((n) => n.startsWith(".")), []);

  // The restored build's volume is an overlay on the base (not on the snapshot), and boots with its file.
  const disk = path.join(pool.dir, "warm.qcow2");
  t.true(existsSync(disk));
  const info = JSON.parse(spawnSync("qemu-img", ["info", "-U", "--output=json", disk], { encoding: "utf8" }).stdout) as { "backing-filename"?: string };
  t.is(info["backing-filename"], base);
  const vm = await bootOutputImage(disk);
  t.teardown(() => vm.stop());
  t.is((await sshExec(vm.port, "cat /root/warm-marker", 6 * 60_000)).trim(), "provisioned-by-warm");
});
