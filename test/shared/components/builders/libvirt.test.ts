import test from "ava";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { isLocalUri, parseVolumeSize, schema, type Config } from "../../../../shared/components/builders/libvirt.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";
import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const cwd = tempDirSync("kiln-libvirt-schema-");
const prepare = (config: Record<string, unknown>): Config => schema.prepare(raw("libvirt", config), prepareContext(cwd, "libvirt")) as Config;
const ssh = { communicator: "ssh", ssh_username: "root", ssh_password: "x" };
const overlay = (over: Record<string, unknown> = {}) => ({ pool: "images", source: { type: "backing-store", pool: "base", volume: "debian.qcow2" }, ...over });

test("the plugin's defaults: 512 MiB, 1 vcpu, boot from hd, ua- aliases, the only volume is the artifact, scsi device letters in order", (t) => {
  const c = prepare({ libvirt_uri: "qemu:///system", communicator: ssh, volume: [overlay()], network_interface: [{ type: "managed" }] });
  t.is(c.memoryMb, 512);
  t.is(c.vcpu, 1);
  t.deepEqual(c.bootDevices, ["hd"]);
  t.is(c.volumes[0]!.alias, "ua-artifact");
  t.is(c.artifactVolumeAlias, "ua-artifact");
  t.is(c.volumes[0]!.targetDev, "sda");
  t.is(c.volumes[0]!.bus, "scsi");
  t.regex(c.domainName, /^packer-[0-9a-f]{20}$/);
  t.regex(c.volumes[0]!.name, new RegExp(`^${c.domainName}-[0-9a-f]+$`));
  t.is(c.networkInterfaces[0]!.network, "default");
  t.is(c.networkInterfaces[0]!.alias, "ua-communicator");
  t.is(c.shutdownMode, "auto");
  t.is(c.shutdownTimeoutMs, 5 * 60_000);
  t.is(c.domainType, undefined, "left to the host: kvm where offered, else qemu");
  t.true(c.warnings.includes("Using the only defined volume as an artifact"));
  const two = prepare({ libvirt_uri: "qemu:///system", communicator: ssh, volume: [overlay({ alias: "artifact", bus: "virtio" }), overlay({ bus: "virtio" }), { source: { type: "cloud-init" }, bus: "sata" }] });
  t.deepEqual(two.volumes.map((v) => v.targetDev), ["vda", "vdb", "sda"]);
  t.is(two.volumes[2]!.name, `${two.domainName}-cloudinit`);
});

test("HCL2 blocks (lists of one) and JSON objects are both read; a nested unknown key is named with its path", (t) => {
  const c = prepare({ libvirt_uri: "qemu:///system", communicator: [ssh], volume: [{ ...overlay(), source: [{ type: "cloning", pool: "base", volume: "v" }] }] });
  t.deepEqual(c.volumes[0]!.source, { type: "cloning", pool: "base", volume: "v" });
  t.is(c.communicator.type, "ssh");
  t.deepEqual(problemsOf(() => prepare({ libvirt_uri: "qemu:///system", communicator: ssh, volume: [overlay({ sizee: "1G" })] })), [`unknown configuration key: '"volume[0].sizee"'`]);
  t.deepEqual(problemsOf(() => prepare({ libvirt_uri: "qemu:///system", communicator: { ...ssh, ssh_usernam: "x" }, volume: [overlay()] })), [`unknown configuration key: '"communicator.ssh_usernam"'`]);
  t.deepEqual(problemsOf(() => prepare({ libvirt_uri: "qemu:///system", communicator: ssh, volume: [overlay({ alias: "artifact" }), { ...overlay(), source: { type: "weird" } }] })), [
    "volume[1].source: unsupported volume source type 'weird'",
  ]);
});

test("the plugin's rules: libvirt_uri, a volume, the artifact alias, backing store arguments, sizes, enums", (t) => {
  t.deepEqual(problemsOf(() => prepare({ communicator: ssh })), ["no volume has been specified", "libvirt_uri must be specified (for example qemu:///system)"]);
  t.deepEqual(problemsOf(() => prepare({ libvirt_uri: "qemu:///system", communicator: ssh, volume: [overlay(), overlay()] })), [
    "please specify an alias for a volume and set artifact_volume_alias on the builder",
  ]);
  t.deepEqual(problemsOf(() => prepare({ libvirt_uri: "qemu:///system", communicator: ssh, artifact_volume_alias: "out", volume: [overlay()] })), ["no volume found with alias 'out'"]);
  t.deepEqual(problemsOf(() => prepare({ libvirt_uri: "qemu:///system", communicator: ssh, volume: [{ source: { type: "backing-store", pool: "p", path: "/x" } }] })), [
    "volume[0].source: if path is specified on a backing store, no other arguments can be specified",
  ]);
  t.deepEqual(problemsOf(() => prepare({ libvirt_uri: "qemu:///system", communicator: ssh, volume: [{ pool: "p", name: "n" }] })), [
    "volume[0]: at least one of Volume.Size or Volume.Capacity must be set for volume p/n",
  ]);
  t.deepEqual(problemsOf(() => prepare({ libvirt_uri: "qemu:///system", communicator: ssh, volume: [overlay({ capacity: "lots" })], shutdown_mode: "yank", network_address_source: "dns", boot_devices: ["usb"] })), [
    "boot_devices: unknown BootDevice: usb".replace("boot_devices: ", ""),
    "volume[0]: couldn't understand volume capacity 'lots'",
    "unkown NetworkAddressSource: dns",
    "unrecognized shutdown mode 'yank'",
  ]);
  t.deepEqual(problemsOf(() => prepare({ libvirt_uri: "qemu:///system", volume: [overlay()] })), ["communicator: An ssh_username must be specified\n  Note: some builders used to default ssh_username to \"root\"."]);
});

test("Kiln's user interface: one per domain, only with a libvirt on this host", (t) => {
  t.true(isLocalUri("qemu:///system"));
  t.true(isLocalUri("qemu+unix:///session"));
  t.false(isLocalUri("qemu+ssh://root@hv1.example/system"));
  t.deepEqual(problemsOf(() => prepare({ libvirt_uri: "qemu+ssh://root@hv1/system", communicator: ssh, volume: [overlay()], network_interface: [{ type: "user" }] })), [
    `a "user" network_interface forwards a loopback port of the libvirt host, which Kiln can only reach when libvirt runs here; qemu+ssh://root@hv1/system is remote: use a managed or bridge interface`,
  ]);
  t.deepEqual(parseVolumeSize("20G"), 20n * 1024n ** 3n);
  t.deepEqual(parseVolumeSize("512M"), 512n * 1024n ** 2n);
  t.deepEqual(parseVolumeSize("1048576"), 1048576n);
  t.is(parseVolumeSize("1.5G"), undefined);
});

test("the plugin's HCL2 example (backing-store source in a build block) validates; an unknown key in a block is named", async (t) => {
  const dir = tempDirSync("kiln-libvirt-hcl-");
  spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "id_test")]);
  writeFileSync(join(dir, "libvirt.pkr.hcl"), `
packer {
  required_plugins {
    libvirt = {
      version = ">= 0.5.0"
      source  = "github.com/thomasklein94/libvirt"
    }
  }
}
source "libvirt" "builder" {
  libvirt_uri = "qemu:///system"
  vcpu   = 1
  memory = 846
  network_interface {
    type  = "managed"
    alias = "communicator"
  }
  communicator {
    communicator         = "ssh"
    ssh_username         = "ubuntu"
    ssh_private_key_file = "${join(dir, "id_test")}"
  }
  network_address_source = "lease"
  volume {
    alias = "artifact"
    pool = "default"
    name = "custom-image"
    source {
      type   = "backing-store"
      pool   = "base-images"
      volume = "ubuntu-20.04-lts"
    }
    capacity   = "20G"
    target_dev = "sda"
    bus        = "sata"
  }
  shutdown_mode = "acpi"
}
build {
  name = "backing-store-example"
  sources = ["source.libvirt.builder"]
  provisioner "shell" {
    inline = ["echo ok"]
  }
}
`);
  const kiln = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../../bin/kiln.js");
  const ok = spawnSync(process.execPath, [kiln, "validate", dir], { encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
  t.is(ok.status, 0, ok.stdout + ok.stderr);
  writeFileSync(join(dir, "libvirt.pkr.hcl"), (await import("node:fs")).readFileSync(join(dir, "libvirt.pkr.hcl"), "utf8").replace('shutdown_mode = "acpi"', 'shutdown_mode = "acpi"\n  volume {\n    bogus = 1\n  }'));
  const bad = spawnSync(process.execPath, [kiln, "validate", dir], { encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
  t.is(bad.status, 1);
  t.regex(bad.stdout + bad.stderr, /An argument named "bogus" is not expected here\. \(in volume\[1\]\)/);
});
