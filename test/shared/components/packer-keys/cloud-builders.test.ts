import test from "ava";
import { createHash, generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { packerKeySchema } from "../../../../shared/components/packer-keys/key-schema.js";
import { prepareContext, problemsOf, raw } from "../prepare-context.js";
import { tempDirSync } from "../../../fixtures/temp-dir.js";

/**
 * Prepare rules of cloud builders Kiln validates without building, against what Packer 1.6.6
 * prints for the same config with no credentials in the environment.
 */
const cwd = tempDirSync("kiln-cloud-builders-");
const problems = (type: string, config: Record<string, unknown>): string[] =>
  problemsOf(() => packerKeySchema("builder", type)!.prepare(raw(type, config), prepareContext(cwd, type)));
const NO_SSH_USERNAME = 'An ssh_username must be specified\n  Note: some builders used to default ssh_username to "root".';

test("openstack: the access, image and run configs are all checked, as Packer's Prepare appends them", (t) => {
  t.deepEqual(problems("openstack", {}), [
    NO_SSH_USERNAME,
    "Missing input for argument [auth_url]",
    "An image_name must be specified",
    "Either a source_image, a source_image_name, an external_source_image_url or source_image_filter must be specified",
    "A flavor must be specified",
  ]);
  t.deepEqual(problems("openstack", { image_name: "i", source_image: "a", source_image_name: "b", flavor: "", ssh_username: "u", image_visibility: "bogus", ssh_keypair_name: "k", ssh_ip_version: "5" }), [
    "Missing input for argument [auth_url]",
    "Unknown visibility value bogus",
    "A ssh_private_key_file must be provided or ssh_agent_auth enabled when ssh_keypair_name is specified.",
    "Only one of the options source_image, source_image_name, external_source_image_url, or source_image_filter can be specified, not multiple.",
    "A flavor must be specified",
    "SSH IP version must be either 4 or 6",
  ]);
  t.deepEqual(problems("openstack", { image_name: "i", source_image_filter: { filters: { name: "ubuntu" } }, flavor: "f", ssh_username: "u", identity_endpoint: "https://keystone:5000/v3" }), []);
});

test("openstack: a named cloud needs a clouds.yaml, read while preparing", (t) => {
  const base = { image_name: "i", source_image: "a", flavor: "f", ssh_username: "u" };
  t.deepEqual(problems("openstack", { ...base, cloud: "mycloud" }), ["unable to load clouds.yaml: no clouds.yaml file found"]);
  writeFileSync(join(cwd, "clouds.yaml"), "clouds:\n  other:\n    auth:\n      auth_url: https://keystone:5000/v3\n");
  t.teardown(() => writeFileSync(join(cwd, "clouds.yaml"), "clouds: {}\n"));
  t.deepEqual(problems("openstack", { ...base, cloud: "mycloud" }), ["cloud mycloud does not exist in clouds.yaml"]);
  t.deepEqual(problems("openstack", { ...base, cloud: "other" }), []);
});

test("oracle-oci: credentials from the template or ~/.oci/config, the key file read and parsed", (t) => {
  t.deepEqual(problems("oracle-oci", {}), [
    NO_SSH_USERNAME,
    "'user_ocid' must be specified",
    "'tenancy_ocid' must be specified",
    "'fingerprint' must be specified",
    "'key_file' must be specified",
    "'availability_domain' must be specified",
    "'shape' must be specified",
    "'subnet_ocid' must be specified",
    "'base_image_ocid' or 'base_image_filter' must be specified",
  ]);
  writeFileSync(join(cwd, "empty.pem"), "");
  const base = { user_ocid: "u", tenancy_ocid: "t", fingerprint: "f", availability_domain: "ad", base_image_ocid: "img", shape: "s", subnet_ocid: "sn", ssh_username: "opc" };
  t.deepEqual(problems("oracle-oci", { ...base, key_file: "empty.pem", tags: { a: "" }, disk_size: 20, user_data_file: "ud.sh" }), [
    "'key_file' must be specified",
    "Tag value empty in config",
    "user_data_file not found: ud.sh",
    "Problem reading user_data_file: open ud.sh: no such file or directory",
    "'disk_size' must be between 50 and 16384 GBs",
  ]);
  // An unreadable key file is the only error Prepare returns.
  t.deepEqual(problems("oracle-oci", { ssh_username: "opc", key_file: "missing.pem" }), ["open missing.pem: no such file or directory"]);
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  writeFileSync(join(cwd, "key.pem"), privateKey.export({ type: "pkcs1", format: "pem" }));
  t.deepEqual(problems("oracle-oci", { ...base, key_file: "key.pem" }), []);
  t.deepEqual(problems("oracle-oci", { ...base, key_file: "key.pem", subnet_ocid: "a", create_vnic_details: { subnet_id: "b" } }), [
    "'create_vnic_details[subnet]' must match 'subnet_ocid' if both are specified",
  ]);
});

test("azure-chroot: defaults from the instance metadata service fail off Azure; source, disks and destination are checked", (t) => {
  const temporary = { temporary_os_disk_id: "a", temporary_os_disk_snapshot_id: "b", temporary_data_disk_id_prefix: "c", temporary_data_disk_snapshot_id: "d" };
  const none = problems("azure-chroot", {});
  t.is(none.length, 6);
  t.regex(none[0]!, /^unable to render temporary disk id: template: root:1:18: executing "root" at <vm `subscription_id`>: error calling vm: /);
  t.deepEqual(none.slice(4), ['source: "" is not a valid platform image specifier, nor is it a disk resource ID', "image_resource_id or shared_image_destination is required"]);
  const image = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/images/x";
  t.deepEqual(problems("azure-chroot", { ...temporary, source: "Canonical:UbuntuServer:18.04-LTS:latest", image_resource_id: image }), []);
  t.deepEqual(problems("azure-chroot", { ...temporary, source: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/disks/d", image_resource_id: image, os_disk_cache_type: "Foo" }), [
    'os_disk_cache_type: "Foo" is not a valid value [None ReadOnly ReadWrite]',
  ]);
  // Its `vm` template function reads the host's Azure metadata: it fails while decoding, off Azure.
  const vm = problems("azure-chroot", { image_resource_id: "/subscriptions/{{vm `subscription_id`}}/resourceGroups/g/providers/Microsoft.Compute/images/i", source: "a:b:c:d" });
  t.is(vm.length, 1);
  t.regex(vm[0]!, /^render 'image_resource_id': template: root:1:17: executing "root" at <vm `subscription_id`>: error calling vm: /);
  // A bad image_resource_id starts Packer's list anew (the cache type problem is dropped).
  t.deepEqual(problems("azure-chroot", { ...temporary, source: "a:b:c:d", image_resource_id: "bogus", os_disk_cache_type: "Foo", shared_image_destination: { image_version: "1.0" } }), [
    'image_resource_id: "bogus" is not a valid image resource id',
    "shared_image_destination.resource_group is required",
    "shared_image_destination.gallery_name is required",
    "shared_image_destination.image_name is required",
    "shared_image_destination.image_version should match '^[0-9]+\\.[0-9]+\\.[0-9]+$'",
  ]);
});

test("azure-dtl: ssh_username defaults to packer; the client config is validated twice; lab, image and output settings", (t) => {
  t.deepEqual(problems("azure-dtl", {}), [
    "A capture_container_name or managed_image_name must be specified",
    "A capture_name_prefix or managed_image_resource_group_name must be specified",
    "The settings lab_resource_group_name needs to be defined.",
    "An image_publisher must be specified",
    "An image_offer must be specified",
    "An image_sku must be specified",
    "An os_type must be specified",
  ]);
  const got = problems("azure-dtl", {
    subscription_id: "s", client_id: "c", lab_name: "l", lab_resource_group_name: "g", managed_image_name: "m", managed_image_resource_group_name: "g",
    image_publisher: "Canonical", image_offer: "UbuntuServer", image_sku: "18.04-LTS", os_type: "Linux", communicator: "winrm",
  });
  t.is(got.length, 4);
  t.is(got[0], "winrm_username must be specified.");
  t.regex(got[1]!, /^No valid set of authentication values specified:\n/);
  t.is(got[2], got[1]);
  t.is(got[3], "If lab_resource_group_name is specified, so must lab_virtual_network_name");
});

test("oracle-classic: required settings, object names, attributes, communicator, then the PV config", (t) => {
  t.deepEqual(problems("oracle-classic", {}), [
    "You must specify a username.",
    "You must specify a password.",
    "You must specify a api_endpoint.",
    "You must specify a identity_domain.",
    "You must specify a source_image_list.",
    "You must specify a dest_image_list.",
    "You must specify a shape.",
    "dest_image_list can contain only alphanumeric characters, hyphens, underscores, and periods.",
    "image_name can contain only alphanumeric characters, hyphens, underscores, and periods.",
    NO_SSH_USERNAME,
  ]);
  const base = { username: "u", password: "p", api_endpoint: "https://api", identity_domain: "d", source_image_list: "/oracle/public/OL_7.2", dest_image_list: "x", shape: "oc3", image_name: "img", ssh_username: "opc" };
  writeFileSync(join(cwd, "attributes.json"), "");
  t.deepEqual(problems("oracle-classic", { ...base, attributes_file: "attributes.json" }), ["Problem parsing json from attributes_file: unexpected end of JSON input"]);
  t.deepEqual(problems("oracle-classic", { ...base, builder_shape: "oc3" }), ["`builder_shape` has no meaning when `persistent_volume_size` is not set."]);
  t.deepEqual(problems("oracle-classic", { ...base, attributes: '{"userdata": {}}' }), []);
});

test("the other cloud builders report every missing setting Packer 1.6.6 does with an empty config", (t) => {
  const expected: Record<string, string[]> = {
    scaleway: [NO_SSH_USERNAME, "scaleway Project ID must be specified", "scaleway Secret Key must be specified", "Scaleway Zone is required", "commercial type is required", "image is required"],
    "tencentcloud-cvm": [NO_SSH_USERNAME, "parameter secret_id and secret_key must be set", "parameter region must be set", "image_name must be specified", "source_image_id or source_image_name must be specified", "instance_type must be specified"],
    cloudstack: [NO_SSH_USERNAME, "a api_url must be specified", "a api_key must be specified", "a secret_key must be specified", "a network must be specified", "a service_offering must be specified", "either source_iso or source_template must be specified", "a template_os must be specified", "a zone must be specified"],
    ncloud: [NO_SSH_USERNAME, "access_key is required", "secret_key is required", "server_image_product_code or member_server_image_no is required"],
    oneandone: [NO_SSH_USERNAME, "1&1 'image' is required"],
    profitbricks: [NO_SSH_USERNAME, "Either ssh private key path or ssh password must be set.", "ProfitBricks 'image' is required", "ProfitBricks username is required", "ProfitBricks password is required"],
    "amazon-instance": ["ami_name must be specified", "ami_name must be between 3 and 128 characters long", NO_SSH_USERNAME, "A source_ami or source_ami_filter must be specified", "For security reasons, your source AMI filter must declare an owner.", "either instance_type or spot_instance_types must be specified", "account_id is required", "s3_bucket is required", "x509_cert_path is required", "x509_key_path is required"],
  };
  for (const [type, messages] of Object.entries(expected)) t.deepEqual(problems(type, {}).sort(), [...messages].sort(), type);
  const jd = problems("jdcloud", {});
  t.is(jd.length, 8);
  t.true(jd.includes("[PRE-FLIGHT] Invalid RegionId:. Legit RegionId are: {cn-north-1, cn-south-1, cn-east-1, cn-east-2}"));
});

test("triton: an SSH agent or key material matching triton_key_id signs requests", (t) => {
  const base = { triton_account: "a", source_machine_package: "g4", ssh_username: "root", image_name: "i", image_version: "1.0.0" };
  const agent = process.env.SSH_AUTH_SOCK;
  delete process.env.SSH_AUTH_SOCK;
  t.teardown(() => void (agent === undefined ? undefined : (process.env.SSH_AUTH_SOCK = agent)));
  t.deepEqual(problems("triton", { ...base, triton_key_id: "aa:bb" }), ["Error creating Triton request signer: environment variable SSH_AUTH_SOCK not set"]);
  writeFileSync(join(cwd, "empty-key"), "");
  t.deepEqual(problems("triton", { ...base, triton_key_id: "aa:bb", triton_key_material: "empty-key" }), ["Error creating Triton request signer: Error PEM-decoding private key material: nil block received"]);
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  writeFileSync(join(cwd, "triton.pem"), privateKey.export({ type: "pkcs1", format: "pem" }));
  t.deepEqual(problems("triton", { ...base, triton_key_id: "aa:bb", triton_key_material: "triton.pem" }), ["Error creating Triton request signer: Private key file does not match public key fingerprint"]);
  const jwk = publicKey.export({ format: "jwk" });
  const wire = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length >> 8, b.length & 0xff].slice(1)), b]);
  const mpint = (b: Buffer): Buffer => wire(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  const blob = Buffer.concat([wire(Buffer.from("ssh-rsa")), mpint(Buffer.from(jwk.e!, "base64url")), mpint(Buffer.from(jwk.n!, "base64url"))]);
  const fingerprint = createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
  t.deepEqual(problems("triton", { ...base, triton_key_id: fingerprint, triton_key_material: "triton.pem" }), []);
});

test("tencentcloud-cvm, cloudstack and ncloud: their combinations and formats", (t) => {
  t.deepEqual(problems("tencentcloud-cvm", {
    secret_id: "a", secret_key: "b", region: "ap-nowhere", instance_type: "S4.SMALL1", source_image_id: "img-bad", ssh_username: "root",
    image_name: "PackerTest", disk_type: "FOO", subnet_id: "subnet-1", image_copy_regions: ["ap-x", "ap-beijing"], user_data_file: "nofile",
  }), ["unknown region: ap-nowhere", "unknown region: ap-x", "source_image_id wrong format", "user_data_file not exist", "can't set subnet_id without set vpc_id", "specified disk_type(FOO) is invalid"]);
  t.deepEqual(problems("cloudstack", {
    api_url: "https://x", api_key: "k", secret_key: "s", network: "n", service_offering: "o", source_iso: "iso", source_template: "t", template_os: "Ubuntu",
    zone: "z", create_security_group: true, user_data: "x", user_data_file: "nofile", ssh_username: "root",
  }), [
    "auto creating a temporary security group requires expunge", "only one of source_iso or source_template can be specified",
    "a disk_offering must be specified when using source_iso", "a hypervisor must be specified when using source_iso",
    "only one of user_data or user_data_file can be specified", "user_data_file not found: nofile",
  ]);
  // A block storage size not a multiple of 10 is the only error Packer returns.
  t.deepEqual(problems("ncloud", { access_key: "a", secret_key: "b", server_image_product_code: "SPSW0LINUX000046", member_server_image_no: "1", block_storage_size: 15, ssh_username: "root" }), ["BlockStorageSize must be a multiple of 10 GB"]);
});

test("a failed decode: triton goes on checking and lists everything; jdcloud says one sentence", async (t) => {
  const { packerConfigErrorText } = await import("../../../../shared/validation/config-error-text.js");
  const { ConfigErrors } = await import("../../../../shared/components/problems.js");
  const thrown = (type: string, config: Record<string, unknown>) => {
    try {
      packerKeySchema("builder", type)!.prepare(raw(type, config), prepareContext(cwd, type));
    } catch (e) {
      if (e instanceof ConfigErrors) return e.problems;
    }
    return [];
  };
  const agent = process.env.SSH_AUTH_SOCK;
  process.env.SSH_AUTH_SOCK = "/nonexistent/agent.sock";
  t.teardown(() => void (agent === undefined ? delete process.env.SSH_AUTH_SOCK : (process.env.SSH_AUTH_SOCK = agent)));
  const triton = thrown("triton", { bogus: 1, ssh_username: "root", triton_account: "a", triton_key_id: "k", source_machine_package: "p", image_name: "i" });
  t.is(packerConfigErrorText(triton), "2 errors occurred:\n\t* unknown configuration key: '\"bogus\"'\n\t* An image_version must be specified\n\n");
  t.deepEqual(problems("jdcloud", { bogus: 1 }), ["[ERROR] Failed in decoding JSON->mapstructure"]);
  // Other types still show the decoder's errors alone.
  t.deepEqual(problems("cloudstack", { bogus: 1 }), [`unknown configuration key: '"bogus"'`]);
});
