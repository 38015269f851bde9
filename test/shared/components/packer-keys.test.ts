import test from "ava";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packerKeySchema } from "../../../shared/components/packer-keys/key-schema.js";
import { isDeprecatedKey, packerKeysOf } from "../../../shared/components/packer-keys/check-keys.js";
import { PACKER_BUILDER_TYPES, PACKER_POST_PROCESSOR_TYPES, PACKER_PROVISIONER_TYPES } from "../../../shared/components/packer-components.js";
import { schema as virtualboxIso } from "../../../shared/components/builders/virtualbox-iso.js";
import { schema as amazonEbs } from "../../../shared/components/builders/amazon-ebs.js";
import { schemaFor, supportedTypes } from "../../../shared/components/registry.js";
import { prepareContext, problemsOf, raw } from "./prepare-context.js";
import { tempDirSync } from "../../fixtures/temp-dir.js";

const cwd = tempDirSync("kiln-packer-keys-");
const keysOnly = (kind: "builder" | "provisioner" | "post-processor", type: string, config: Record<string, unknown>): string[] =>
  problemsOf(() => packerKeySchema(kind, type)!.prepare(raw(type, config), prepareContext(cwd, type)));

test("every component type Packer 1.6.6 ships has its key table (generated from its hcl2spec files)", (t) => {
  for (const type of PACKER_BUILDER_TYPES) t.truthy(packerKeysOf("builder", type), `builder ${type}`);
  for (const type of PACKER_PROVISIONER_TYPES) t.truthy(packerKeysOf("provisioner", type), `provisioner ${type}`);
  for (const type of PACKER_POST_PROCESSOR_TYPES) t.truthy(packerKeysOf("post-processor", type), `post-processor ${type}`);
  t.is(packerKeysOf("builder", "lxc")?.keys.config_file, "s");
  t.is(packerKeysOf("builder", "amazon-ebs")?.keys.ami_block_device_mappings, "[@amazon/common.BlockDevice]");
});

test("an unknown key fails on a type Kiln cannot build, as packer validate does", (t) => {
  t.deepEqual(keysOnly("builder", "lxc", { config_file: "", template_name: "x", template_environment_vars: [], bogus_key: 1 }), [`unknown configuration key: '"bogus_key"'`]);
  t.deepEqual(keysOnly("provisioner", "powershell", { inline: ["Write-Host hi"], bogus_key: 1 }), [`unknown configuration key: '"bogus_key"'`]);
  t.deepEqual(keysOnly("provisioner", "powershell", { inline: ["Write-Host hi"], elevated_user: "u", elevated_password: "p" }), []);
});

test("a deprecated key says to run packer fix only where Packer's plugin declares a PluginType", (t) => {
  t.true(isDeprecatedKey("builder", "virtualbox-iso", "iso_checksum_type"));
  t.false(isDeprecatedKey("builder", "vmware-iso", "iso_checksum_type"), "vmware-iso passes no PluginType: Packer says unknown key");
  t.true(isDeprecatedKey("builder", "amazon-ebs", "clean_ami_name"));
  t.true(isDeprecatedKey("post-processor", "manifest", "filename"));
  const vbox = problemsOf(() => virtualboxIso.prepare(raw("virtualbox-iso", { iso_url: "a.iso", iso_checksum: "none", ssh_username: "u", iso_checksum_type: "sha256" }), prepareContext(cwd, "vb")));
  t.is(vbox.length, 1);
  t.regex(vbox[0], /^Deprecated configuration key: 'iso_checksum_type'\. Please call `packer fix`/);
  t.deepEqual(problemsOf(() => virtualboxIso.prepare(raw("virtualbox-iso", { iso_url: "a.iso", iso_checksum: "none", ssh_username: "u", bogus_key: 1 }), prepareContext(cwd, "vb"))), [`unknown configuration key: '"bogus_key"'`]);
});

test("values are decoded with mapstructure's weak typing: wrong types fail, convertible ones pass", (t) => {
  t.deepEqual(keysOnly("builder", "hyperv-iso", { memory: "abc", iso_url: "a.iso", iso_checksum: "none" }), [`cannot parse 'memory' as uint: strconv.ParseUint: parsing "abc": invalid syntax`]);
  t.deepEqual(keysOnly("builder", "hyperv-iso", { memory: "2048", cpus: 2, headless: "true", iso_url: "a.iso", iso_checksum: "none", ssh_username: "u" }), []);
  t.deepEqual(keysOnly("builder", "hyperv-iso", { floppy_files: { a: 1 } }), [`'floppy_files': source data must be an array or slice, got map`]);
  // nested structs: unknown keys are named with their path, as mapstructure's Unused list does
  t.deepEqual(keysOnly("builder", "amazon-chroot", { source_ami: "ami-1", ami_name: "x", ami_block_device_mappings: [{ device_name: "/dev/sda1", bogus: 1 }] }), [
    `unknown configuration key: '"ami_block_device_mappings[0].bogus"'`,
  ]);
});

test("a list of maps is merged into a map (weak decoding), and a lone string into a list splits on commas", (t) => {
  const base = { region: "us-east-1", source_ami: "ami-1", instance_type: "t3.micro", ssh_username: "u", ami_name: "abc" };
  const c = amazonEbs.prepare(raw("amazon-ebs", { ...base, tags: [{ Name: "a" }, { Team: "b" }], ami_users: "1,2" }), prepareContext(cwd, "a")) as { tags: Record<string, string>; amiUsers: string[] };
  t.deepEqual(c.tags, { Name: "a", Team: "b" });
  t.deepEqual(c.amiUsers, ["1", "2"]);
});

test("Prepare rules of types Kiln validates only: required settings, with their environment fallbacks", (t) => {
  t.deepEqual(keysOnly("builder", "digitalocean", { region: "nyc3", size: "s-1vcpu-1gb", image: "ubuntu-20-04-x64", ssh_username: "root" }), ["api_token for auth must be specified"]);
  process.env.DIGITALOCEAN_API_TOKEN = "t0ken";
  t.teardown(() => delete process.env.DIGITALOCEAN_API_TOKEN);
  t.deepEqual(keysOnly("builder", "digitalocean", { region: "nyc3", size: "s-1vcpu-1gb", image: "ubuntu-20-04-x64", ssh_username: "root" }), []);
  t.deepEqual(keysOnly("post-processor", "amazon-import", { region: "us-east-1" }), ["s3_bucket_name must be set"]);
  t.deepEqual(keysOnly("builder", "openstack", { source_image: "x", flavor: "m1", image_name: "i", ssh_username: "u" }), ["Missing input for argument [auth_url]"]);
  writeFileSync(join(cwd, "lxc.conf"), "");
  t.deepEqual(keysOnly("builder", "lxc", { config_file: "lxc.conf", template_name: "debian", template_environment_vars: ["SUITE=bullseye"] }), []);
  t.deepEqual(keysOnly("builder", "lxc", { config_file: "missing.conf", template_name: "debian", template_environment_vars: [] }), ["LXC Config file appears to be missing: missing.conf"]);
});

test("decoding problems hide the rules' problems, as Packer's Prepare returns after a failed decode", (t) => {
  t.deepEqual(keysOnly("builder", "digitalocean", { region: "nyc3", bogus: true }), [`unknown configuration key: '"bogus"'`]);
});

test("builders that run Packer's communicator checks need an ssh_username (or winrm_username) too", (t) => {
  const iso = { iso_url: "a.iso", iso_checksum: "none" };
  t.deepEqual(keysOnly("builder", "hyperv-iso", iso), ['An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".']);
  t.deepEqual(keysOnly("builder", "hyperv-iso", { ...iso, communicator: "winrm", winrm_username: "Administrator" }), []);
  // parallels-pvm, given what its own rules need (a source_path that exists, no tools flavor needed).
  const pvm = { source_path: ".", parallels_tools_mode: "disable" };
  t.deepEqual(keysOnly("builder", "parallels-pvm", pvm), ['An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".']);
  t.deepEqual(keysOnly("builder", "parallels-pvm", { ...pvm, ssh_username: "u" }), []);
  const placed = { vm_name: "n", host: "h", storage: [{ disk_size: 1024 }] };
  t.deepEqual(keysOnly("builder", "vsphere-iso", { ...placed, ssh_username: "u", vcenter_server: "vc", username: "u" }), ["'password' is required"]);
});

// keep_input_artifact never reaches a schema: the template parser takes it out, as Packer's core does.
const handledByTheParser = new Set(["keep_input_artifact"]);

test("Kiln's own schemas accept every key Packer 1.6.6's decoder accepts for their type", (t) => {
  const sample = (type: string): unknown => (type === "s" ? "x" : type === "b" ? true : type === "i" || type === "f" ? 1 : type.startsWith("[") ? [] : type.startsWith("{") || type.startsWith("@") ? {} : "x");
  for (const kind of ["builder", "provisioner", "post-processor"] as const) {
    for (const type of supportedTypes(kind)) {
      const keys = packerKeysOf(kind, type)?.keys ?? {};
      for (const [key, keyType] of Object.entries(keys)) {
        if (key.startsWith("packer_") || handledByTheParser.has(key)) continue;
        const problems = problemsOf(() => schemaFor(kind, type)!.prepare(raw(type, { [key]: sample(keyType) }), prepareContext(cwd, type)));
        t.false(problems.some((p) => p.includes(`unknown configuration key: '"${key}"'`)), `${kind} ${type} refuses Packer's key ${key}`);
      }
    }
  }
});

test("builders with floppy_files check them as Packer's FloppyConfig does, whether Kiln builds them or not", (t) => {
  const base = { iso_url: "a.iso", iso_checksum: "none", ssh_username: "u" };
  t.deepEqual(keysOnly("builder", "hyperv-iso", { ...base, floppy_files: ["missing.xml"] }), ["Bad Floppy disk file 'missing.xml': stat missing.xml: no such file or directory"]);
  writeFileSync(join(cwd, "Autounattend.xml"), "");
  t.deepEqual(keysOnly("builder", "hyperv-iso", { ...base, floppy_files: ["Autounattend.xml", "scripts/*.ps1"] }), []);
});

/**
 * Every key Packer's decoder takes for a type, set at once: none may be called unknown. A reader
 * that reads a key only when another is unset (`a || r.int("b")`) leaves it unread, and an unread
 * key is "unknown": found so for ssh_timeout beside ssh_wait_timeout, host_port_min beside
 * ssh_host_port_min. Run twice, with truthy and with falsy values, so either side of such a
 * condition is taken.
 */
for (const truthy of [true, false]) {
  test(`a config setting every key of Packer's table (${truthy ? "truthy" : "falsy"} values) has no unknown key, for every type Kiln has`, (t) => {
    const sample = (key: string, type: string): unknown => {
      if (type === "s") return /timeout|_wait$|^pause|interval|delay|duration|_period$|_wait_/.test(key) ? "5s" : truthy ? "x" : "";
      if (type === "[*]") return "x"; // a string Packer reads as bytes (ssh_private_key)
      if (type === "b") return truthy;
      if (type === "i" || type === "f") return truthy ? 1 : 0;
      if (type.startsWith("[")) return [];
      if (type.startsWith("{")) return {};
      return undefined; // structs are checked by their own tests
    };
    let checked = 0;
    for (const kind of ["builder", "provisioner", "post-processor"] as const) {
      for (const type of supportedTypes(kind)) {
        const table = packerKeysOf(kind, type);
        const schema = schemaFor(kind, type);
        if (!table || !schema) continue;
        const config: Record<string, unknown> = {};
        for (const [key, keyType] of Object.entries(table.keys)) {
          const value = key === "communicator" ? "ssh" : sample(key, keyType);
          if (!key.startsWith("packer_") && !handledByTheParser.has(key) && value !== undefined) config[key] = value;
        }
        const unknown = problemsOf(() => schema.prepare(raw(type, config), prepareContext(cwd, type))).filter((p) => /unknown configuration key|Deprecated configuration key/.test(p));
        t.deepEqual(unknown, [], `${kind} ${type}`);
        checked++;
      }
    }
    t.true(checked >= 25, `only ${checked} types checked`);
  });
}

test("a key Packer types as one struct takes an HCL2 block (a list of one map) as it takes a map, for every type Kiln has", (t) => {
  let checked = 0;
  for (const kind of ["builder", "provisioner", "post-processor"] as const) {
    for (const type of supportedTypes(kind)) {
      for (const [key, keyType] of Object.entries(packerKeysOf(kind, type)?.keys ?? {})) {
        if (!keyType.startsWith("@")) continue;
        const asBlock = problemsOf(() => schemaFor(kind, type)!.prepare(raw(type, { [key]: [{}] }), prepareContext(cwd, type))).filter((p) => p.includes(`'${key}'`));
        const asMap = problemsOf(() => schemaFor(kind, type)!.prepare(raw(type, { [key]: {} }), prepareContext(cwd, type))).filter((p) => p.includes(`'${key}'`));
        t.deepEqual(asBlock, asMap, `${kind} ${type} ${key}`);
        checked++;
      }
    }
  }
  t.true(checked >= 20, `only ${checked} keys checked`);
});

test("vsphere-iso and vsphere-clone check storage, location, hardware and clone settings as Packer 1.6.6 does (jetbrains-infra examples)", (t) => {
  const connect = { vcenter_server: "v", username: "u", password: "p", ssh_username: "x" };
  t.deepEqual(keysOnly("builder", "vsphere-iso", connect), ["no storage devices have been defined", "'vm_name' is required", "'host' or 'cluster' is required"]);
  t.deepEqual(keysOnly("builder", "vsphere-iso", { ...connect, vm_name: "n", host: "h", storage: [{ disk_size: 0, disk_controller_index: 1 }], firmware: "uefi", RAM_reservation: 5, RAM_reserve_all: true }), [
    "storage[0].'disk_size' is required",
    "storage[0].'disk_controller_index' references an unknown disk controller",
    "'RAM_reservation' and 'RAM_reserve_all' cannot be used together",
    "'firmware' must be '', 'bios', 'efi' or 'efi-secure'",
  ]);
  t.deepEqual(keysOnly("builder", "vsphere-iso", { ...connect, vm_name: "n", cluster: "c", storage: [{ disk_size: 10240 }] }), []);
  t.deepEqual(keysOnly("builder", "vsphere-clone", connect), ["'template' is required", "'vm_name' is required", "'host' or 'cluster' is required"]);
  t.deepEqual(keysOnly("builder", "vsphere-clone", { ...connect, template: "t", vm_name: "n", host: "h", linked_clone: true, disk_size: 5, mac_address: "00:11" }), [
    "'linked_clone' and 'disk_size' cannot be used together",
    "'network' is required when 'mac_address' is specified",
  ]);
  t.deepEqual(keysOnly("builder", "vsphere-iso", { ...connect, vm_name: "n", host: "h", storage: [{ disk_size: 1, bogus: 1 }] }), [`unknown configuration key: '"storage[0].bogus"'`]);
});

test("azure-arm names are checked with Packer 1.6.6's patterns and words (hashicorp/guides-configuration with an empty environment)", (t) => {
  const base = { client_id: "c", client_secret: "s", subscription_id: "x", image_publisher: "p", image_offer: "o", image_sku: "s", os_type: "Linux", location: "westus" };
  t.deepEqual(keysOnly("builder", "azure-arm", { ...base, managed_image_resource_group_name: "rg", managed_image_name: "-hashistack-server--RHEL_7.3-1" }), [
    `The setting managed_image_name must match the regular expression "^[^_\\\\W][\\\\w-._)]{0,79}$", and not end with a '-' or '.'.`,
  ]);
  t.deepEqual(keysOnly("builder", "azure-arm", { ...base, managed_image_resource_group_name: "rg.", managed_image_name: "good-name_1.2" }), [
    `The setting managed_image_resource_group_name must match the regular expression "^[^_\\\\W][\\\\w-._\\\\(\\\\)]{0,89}$", and not end with a '-' or '.'.`,
  ]);
  t.deepEqual(keysOnly("builder", "azure-arm", { ...base, capture_container_name: "ab--c-", capture_name_prefix: "-bad.", storage_account: "sa", resource_group_name: "rg" }), [
    "A capture_container_name must not end with a hyphen, e.g. '-'.",
    "A capture_container_name must not contain consecutive hyphens, e.g. '--'.",
    `A capture_name_prefix must satisfy the regular expression "^[A-Za-z0-9][A-Za-z0-9_\\\\-\\\\.]{0,23}$".`,
    "A capture_name_prefix must not end with a hyphen or period.",
  ]);
  t.deepEqual(keysOnly("builder", "azure-arm", { ...base, managed_image_resource_group_name: "rg(1)", managed_image_name: "img.x)" }), []);
});

test("hyperv-iso and hyperv-vmcx refuse a secondary_iso_images entry that does not exist, an empty one included (marcinbojko/hv-packer without its var file)", (t) => {
  const iso = { iso_url: "a.iso", iso_checksum: "none", ssh_username: "u", shutdown_command: "x" };
  writeFileSync(join(cwd, "extra.iso"), "");
  t.deepEqual(keysOnly("builder", "hyperv-iso", { ...iso, secondary_iso_images: ["extra.iso", "", "gone.iso"] }), [
    "Secondary Dvd image does not exist: stat : no such file or directory",
    "Secondary Dvd image does not exist: stat gone.iso: no such file or directory",
  ]);
  t.deepEqual(keysOnly("builder", "hyperv-vmcx", { clone_from_vmcx_path: cwd, ssh_username: "u", secondary_iso_images: ["gone.iso"] }).filter((p) => p.startsWith("Secondary")), [
    "Secondary Dvd image does not exist: stat gone.iso: no such file or directory",
  ]);
});

test("alicloud-ecs checks credentials, region, image name, communicator and run settings in Packer 1.6.6's order (xuyuji9000/kubeadm-demo without -var)", (t) => {
  const saved = { ...process.env };
  t.teardown(() => {
    for (const k of ["ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_PROFILE", "ALICLOUD_REGION"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  for (const k of ["ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_PROFILE", "ALICLOUD_REGION"]) delete process.env[k];
  t.deepEqual(keysOnly("builder", "alicloud-ecs", {}), [
    "ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY must be set in template file or environment variables.",
    "region option or ALICLOUD_REGION must be provided in template file or environment variables.",
    "image_name must be specified",
    'An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".',
    "A source_image must be specified",
    "An alicloud_instance_type must be specified",
  ]);
  process.env.ALICLOUD_ACCESS_KEY = "a";
  process.env.ALICLOUD_SECRET_KEY = "s";
  t.deepEqual(keysOnly("builder", "alicloud-ecs", { region: "ap-southeast-1", image_name: "img", source_image: "ubuntu", ssh_username: "root", instance_type: "ecs.n1.tiny" }), []);
});

test("chef-solo refuses cookbook, roles, data bags and environments paths that are not folders, as its Prepare stats them (mwrock/packer-templates after packer fix)", (t) => {
  mkdirSync(join(cwd, "cookbooks"), { recursive: true });
  writeFileSync(join(cwd, "secret"), "");
  t.deepEqual(keysOnly("provisioner", "chef-solo", { cookbook_paths: ["cookbooks"], encrypted_data_bag_secret_path: "secret", run_list: ["a::b"] }), []);
  t.deepEqual(keysOnly("provisioner", "chef-solo", { cookbook_paths: ["cookbooks", "vendor/cookbooks", "secret"], roles_path: "roles", data_bags_path: "cookbooks", environments_path: "secret", encrypted_data_bag_secret_path: "cookbooks", config_template: "cookbooks" }), [
    "Config template path must be a file: %!s(<nil>)",
    "Bad cookbook path 'vendor/cookbooks': stat vendor/cookbooks: no such file or directory",
    "Bad cookbook path 'secret': %!s(<nil>)",
    "Bad roles path 'roles': stat roles: no such file or directory",
    "Bad encrypted data bag secret 'cookbooks': %!s(<nil>)",
    "Bad environments path 'secret': %!s(<nil>)",
  ]);
});
