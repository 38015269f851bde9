import test from "ava";
import { generateKeyPairSync } from "node:crypto";
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
