import test from "ava";
import { packerKeySchema } from "../../../../shared/components/packer-keys/key-schema.js";
import { goUrlParseError } from "../../../../shared/components/go-url-error.js";
import { packerConfigErrorText } from "../../../../shared/validation/config-error-text.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

const cwd = tempDirSync("kiln-proxmox-rules-");
const check = (type: string, config: Record<string, unknown>, warnings: string[] = []): string[] =>
  problemsOf(() => packerKeySchema("builder", type)!.prepare(raw(type, config), { ...prepareContext(cwd, type), warn: (w) => warnings.push(w) }));

const base = { proxmox_url: "https://pve:8006/api2/json", username: "root@pam", password: "p", node: "pve", ssh_username: "root" };
const iso = { ...base, iso_file: "local:iso/debian.iso" };

test("proxmox-iso (and proxmox) need iso_file or iso_url, not both, and a pool for an iso_url, as Packer 1.6.6 says", (t) => {
  for (const type of ["proxmox", "proxmox-iso"]) {
    t.deepEqual(check(type, iso), [], type);
    t.deepEqual(check(type, base), ["One of iso_url or iso_urls must be specified", "either iso_file or iso_url, but not both, must be specified"], type);
  }
  t.deepEqual(check("proxmox-iso", { ...base, iso_url: "https://x/d.iso", iso_checksum: "none" }), ["when specifying iso_url, iso_storage_pool must also be specified"]);
  t.deepEqual(check("proxmox-iso", { ...base, iso_url: "https://x/d.iso", iso_checksum: "none", iso_storage_pool: "local" }), []);
  t.deepEqual(check("proxmox-iso", { ...base, iso_url: "https://x/d.iso", iso_storage_pool: "local" }), ["A checksum must be specified"]);
  // With an iso_file, ISOConfig does not run: iso_url is not merged in, so only iso_urls clash.
  t.deepEqual(check("proxmox-iso", { ...iso, iso_url: "https://x/d.iso" }), []);
  t.deepEqual(check("proxmox-iso", { ...iso, iso_urls: ["https://x/d.iso"] }), [
    "either iso_file or iso_url, but not both, must be specified",
    "when specifying iso_url, iso_storage_pool must also be specified",
  ]);
  // proxmox-clone has no ISO.
  t.deepEqual(check("proxmox-clone", { ...base, clone_vm: "tmpl" }), []);
});

test("proxmox disks: a format unless the pool type implies one, and io threads only on virtio-scsi-single", (t) => {
  const disk = { type: "scsi", disk_size: "8G", storage_pool: "local-lvm", storage_pool_type: "lvm-thin" };
  t.deepEqual(check("proxmox-clone", { ...base, disks: [disk] }), ['disk format must be specified for pool type "lvm-thin"']);
  t.deepEqual(check("proxmox-clone", { ...base, disks: [{ ...disk, format: "raw" }] }), []);
  t.deepEqual(check("proxmox-clone", { ...base, disks: [{ ...disk, storage_pool_type: "lvm" }] }), []);
  t.deepEqual(check("proxmox-clone", { ...base, disks: [{ ...disk, format: "raw", io_thread: true }] }), ["io thread option requires virtio-scsi-single controller"]);
  t.deepEqual(check("proxmox-clone", { ...base, scsi_controller: "virtio-scsi-single", disks: [{ ...disk, format: "raw", io_thread: "true", type: "sata" }] }), ["io thread option requires scsi or a virtio disk"]);
  t.deepEqual(check("proxmox-clone", { ...base, disks: [{}] }), ['disk format must be specified for pool type ""', "disks[0].storage_pool must be specified", "disks[0].storage_pool_type must be specified"]);
  t.deepEqual(check("proxmox-clone", { ...base, disks: [{ ...disk, format: "raw", bogus: 1 }] }), [`unknown configuration key: '"disks[0].bogus"'`]);
});

test("proxmox additional_iso_files: their own ISO settings and a valid, free bus", (t) => {
  const warnings: string[] = [];
  t.deepEqual(check("proxmox-iso", { ...iso, additional_iso_files: [{ device: "ide2", iso_url: "x.iso", iso_checksum: "none" }, { device: "sataX", iso_file: "local:iso/x.iso" }, {}] }, warnings), [
    "IDE bus 2 is used by boot ISO",
    "X is not a valid bus index",
    "One of iso_url or iso_urls must be specified",
    "either iso_file or iso_url, but not both, must be specified for AdditionalISO file ide3",
  ]);
  t.is(warnings.length, 1);
  t.deepEqual(check("proxmox-iso", { ...iso, additional_iso_files: [{ device: "scsi31", iso_file: "local:iso/x.iso" }, { device: "ide4", iso_file: "local:iso/y.iso" }] }), [
    "SCSI bus index can't be higher than 30",
    "IDE bus index can't be higher than 3",
  ]);
});

test("proxmox: credentials from the template or PROXMOX_*, a proxmox_url Go can parse, and the HTTP server's checks", (t) => {
  t.deepEqual(check("proxmox-clone", { node: "pve", ssh_username: "root" }), ["username must be specified", "password must be specified", "proxmox_url must be specified"]);
  process.env.PROXMOX_URL = "https://pve:8006/api2/json";
  process.env.PROXMOX_USERNAME = "root@pam";
  process.env.PROXMOX_PASSWORD = "p";
  t.teardown(() => {
    for (const v of ["PROXMOX_URL", "PROXMOX_USERNAME", "PROXMOX_PASSWORD"]) delete process.env[v];
  });
  t.deepEqual(check("proxmox-clone", { node: "pve", ssh_username: "root" }), []);
  t.deepEqual(check("proxmox-clone", { ...base, proxmox_url: "192.168.1.10:8006/api2/json" }), [
    'Could not parse proxmox_url: parse "192.168.1.10:8006/api2/json": first path segment in URL cannot contain colon',
  ]);
  t.deepEqual(check("proxmox-clone", { ...base, template_name: "my template", http_interface: "vmbr0" }), [
    "either http_interface of http_bind_address can be specified",
    "template_name must not contain spaces",
  ]);
  t.deepEqual(check("proxmox-clone", { ...base, template_name: "tab\there" }), []);
});

test("Go's url.Parse refuses only a few shapes, with its messages", (t) => {
  for (const ok of ["https://pve:8006/api2/json", "https://:8006/api2/json", "", "pve.local:8006/api2/json", "https://u:p@h/", "mailto:x", "/api2/json"]) t.is(goUrlParseError(ok), undefined, ok);
  t.is(goUrlParseError(":8006"), 'parse ":8006": missing protocol scheme');
  t.is(goUrlParseError("https://pve:80a6/"), 'parse "https://pve:80a6/": invalid port ":80a6" after host');
  t.is(goUrlParseError("https://pve/%zz"), 'parse "https://pve/%zz": invalid URL escape "%zz"');
  t.is(goUrlParseError("https://p ve/"), 'parse "https://p ve/": invalid character " " in host name');
  t.is(goUrlParseError("https://pve/\n"), 'parse "https://pve/\\n": net/url: invalid control character in URL');
});

test("proxmox-iso's ISO checks are shown beside a failed decoding, as Packer's proxmox-iso Prepare runs them after the common one failed", (t) => {
  t.deepEqual(check("proxmox-iso", { ...base, bios: "ovmf", disks: [{}] }), [`unknown configuration key: '"bios"'`, "One of iso_url or iso_urls must be specified", "either iso_file or iso_url, but not both, must be specified"]);
  t.deepEqual(check("proxmox-clone", { ...base, bios: "ovmf", disks: [{}] }), [`unknown configuration key: '"bios"'`]);
  // finish() hands the text the decoding problems and the outer ones (the common rules' are hidden).
  const text = packerConfigErrorText([
    { message: `unknown configuration key: '"bios"'`, phase: "decode" },
    { message: "One of iso_url or iso_urls must be specified", phase: "outer" },
  ]);
  t.is(text, `2 error(s) occurred:\n\n* 1 error occurred:\n\t* unknown configuration key: '"bios"'\n\n\n* One of iso_url or iso_urls must be specified`);
  t.is(packerConfigErrorText([{ message: "node must be specified" }, { message: "A checksum must be specified", phase: "outer" }]), "2 error(s) occurred:\n\n* node must be specified\n* A checksum must be specified");
});

test("proxmox: boot_key_interval is a Go duration, and a zero one comes from PACKER_KEY_INTERVAL, which must parse", (t) => {
  t.deepEqual(check("proxmox-clone", { ...base, boot_key_interval: "abc" }), [`error decoding 'boot_key_interval': time: invalid duration "abc"`]);
  t.deepEqual(check("proxmox-clone", { ...base, boot_key_interval: "0s" }), []);
  process.env.PACKER_KEY_INTERVAL = "xyz";
  t.teardown(() => delete process.env.PACKER_KEY_INTERVAL);
  t.deepEqual(check("proxmox-clone", { ...base, boot_key_interval: "0s" }), [`time: invalid duration "xyz"`]);
  t.deepEqual(check("proxmox-clone", { ...base, boot_key_interval: "10ms" }), []);
});

test("keys inside disks and network_adapters are found in any case, as mapstructure finds a struct's (texts from packer validate)", (t) => {
  t.deepEqual(check("proxmox-clone", {
    ...base, clone_vm: "x",
    Disks: [{ Storage_Pool: "local", STORAGE_POOL_TYPE: "lvm", IO_Thread: true }],
    network_adapters: [{ Model: "e1000", Packet_Queues: 2, bridge: "b" }],
  }), ["io thread option requires virtio-scsi-single controller", "network_adapters[0].packet_queues can only be set for 'virtio' driver"]);
});
