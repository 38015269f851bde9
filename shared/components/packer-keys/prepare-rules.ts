/**
 * The checks Packer 1.6.6's Prepare makes after decoding, for types Kiln validates but has no
 * schema of its own for: required settings and the combinations Packer refuses, with Packer's
 * messages (transcribed from each plugin's Prepare; environment fallbacks included, since Packer
 * reads them there). Types not listed here get the decoder's checks only.
 */
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigReader } from "../config-reader.js";
import { readCommunicatorConfig } from "../communicator/ssh.js";
import { goStatError, goStatErrorIn } from "../go-stat-error.js";
import { goUrlParseError } from "../go-url-error.js";
import { DurationSyntaxError, parseGoDuration } from "../../template/duration.js";
import { readHttpServerConfig } from "../vm-config/http-server.js";
import { readIsoConfig } from "../vm-config/iso.js";
import { NO_SHUTDOWN_COMMAND_WARNING } from "../vm-config/shutdown.js";
import { readFloppyCdConfig } from "../vm-config/floppy-cd.js";
import { SPOT_MODIFY_PROBLEM } from "../builders/amazon-ebs.js";
import { readAmazonAmiConfig } from "../builders/amazon-ami-config.js";
import { readAmazonAccess, readBlockDevices } from "../builders/amazon-common.js";
import { isSpotInstance, readAmazonRunConfig } from "../builders/amazon-run-config.js";
import { packerKeysOf } from "./check-keys.js";
import type { ConfigProblem } from "../problems.js";
import type { ComponentKind, PrepareContext } from "../types.js";

export type PrepareRule = (r: ConfigReader, ctx: PrepareContext) => void;

/** `key` must be non-empty (after its environment fallback). */
function required(r: ConfigReader, key: string, message: string, envFallback?: string): string {
  const v = r.string(key, "") || (envFallback ? process.env[envFallback] ?? "" : "");
  if (v === "") r.problem(key, message);
  return v;
}

/** An empty value is fine; a given path must exist (`error`: Go's stat error text, as Packer prints it). */
function fileMustExist(r: ConfigReader, ctx: PrepareContext, key: string, message: (path: string, error: string) => string): void {
  const path = r.string(key, "");
  if (path === "") return;
  const why = goStatError(resolve(ctx.cwd, path), path);
  if (why) r.problem(key, message(path, why));
}

const amazonImport: PrepareRule = (r) => {
  required(r, "s3_bucket_name", "s3_bucket_name must be set");
  const format = r.string("format", "") || "ova";
  if (!["ova", "raw", "vmdk", "vhd", "vhdx"].includes(format)) {
    r.problem("format", `invalid format '${format}'. Only 'ova', 'raw', 'vhd', 'vhdx', or 'vmdk' are allowed`);
  }
  const encryption = r.string("s3_encryption", "");
  if (encryption !== "" && encryption !== "AES256" && encryption !== "aws:kms") {
    r.problem("s3_encryption", `invalid s3 encryption format '${encryption}'. Only 'AES256' and 'aws:kms' are allowed`);
  }
};

/**
 * Packer 1.6.6's amazon-instance Prepare: the access, block device, AMI and run configs it shares
 * with amazon-ebs (the run config runs the communicator's checks), then its bundle settings.
 */
const amazonInstance: PrepareRule = (r, ctx) => {
  const access = readAmazonAccess(r);
  readBlockDevices(r, "ami_block_device_mappings");
  readBlockDevices(r, "launch_block_device_mappings");
  const ami = readAmazonAmiConfig(r, access);
  const run = readAmazonRunConfig(r, ctx);
  required(r, "account_id", "account_id is required");
  required(r, "s3_bucket", "s3_bucket is required");
  if (required(r, "x509_cert_path", "x509_cert_path is required")) fileMustExist(r, ctx, "x509_cert_path", (_p, e) => `x509_cert_path points to bad file: ${e}`);
  if (required(r, "x509_key_path", "x509_key_path is required")) fileMustExist(r, ctx, "x509_key_path", (_p, e) => `x509_key_path points to bad file: ${e}`);
  if (isSpotInstance(run) && (ami.enaSupport === true || ami.sriovSupport)) r.problem("spot_price", SPOT_MODIFY_PROBLEM);
};

const digitalocean: PrepareRule = (r, ctx) => {
  required(r, "api_token", "api_token for auth must be specified", "DIGITALOCEAN_API_TOKEN");
  required(r, "region", "region is required");
  required(r, "size", "size is required");
  required(r, "image", "image is required");
  const userData = r.string("user_data", "");
  const userDataFile = r.string("user_data_file", "");
  if (userData !== "" && userDataFile !== "") r.problem("user_data", "only one of user_data or user_data_file can be specified");
  else fileMustExist(r, ctx, "user_data_file", (p) => `user_data_file not found: ${p}`);
  for (const tag of r.stringList("tags")) if (!/^[A-Za-z0-9:_-]{1,255}$/.test(tag)) r.problem("tags", `invalid tag: ${tag}`);
  const privateNetworking = r.bool("private_networking");
  if (r.string("vpc_uuid", "") !== "" && !privateNetworking) r.problem("vpc_uuid", "private networking should be enabled to use vpc_uuid");
  if (r.bool("connect_with_private_ip") && !privateNetworking) r.problem("connect_with_private_ip", "private networking should be enabled to use connect_with_private_ip");
};

const hcloud: PrepareRule = (r, ctx) => {
  required(r, "token", "token for auth must be specified", "HCLOUD_TOKEN");
  required(r, "location", "location is required");
  required(r, "server_type", "server type is required");
  const image = r.string("image", "");
  const filter = r.value("image_filter");
  if (image === "" && !filter) r.problem("image", "image or image_filter is required");
  if (filter && typeof filter === "object") {
    const selectors = (filter as Record<string, unknown>).with_selector;
    if (!Array.isArray(selectors) || selectors.length === 0) r.problem("image_filter", "image_filter.with_selector is required when specifying filter");
    else if (image !== "") r.problem("image", "only one of image or image_filter can be specified");
  }
  if (r.string("user_data", "") !== "" && r.string("user_data_file", "") !== "") r.problem("user_data", "only one of user_data or user_data_file can be specified");
  else fileMustExist(r, ctx, "user_data_file", (p) => `user_data_file not found: ${p}`);
};

/** Packer 1.6.6's openstack Prepare: access config, image config, run config, then one last check. */
const openstack: PrepareRule = (r, ctx) => {
  openstackAccess(r, ctx);
  const imageName = r.string("image_name", "");
  if (imageName === "") r.problem("image_name", "An image_name must be specified");
  const visibility = r.string("image_visibility", "");
  if (visibility !== "" && !["public", "private", "shared", "community"].includes(visibility.toLowerCase())) r.problem("image_visibility", `Unknown visibility value ${visibility}`);
  if (r.int("image_min_disk", 0) < 0) r.problem("image_min_disk", "An image min disk size must be greater than or equal to 0");
  // RunConfig (the communicator's own checks ran first, see COMMUNICATOR_CHECKED)
  if (r.string("ssh_keypair_name", "") !== "") {
    const privateKey = r.string("ssh_private_key_file", "");
    if (r.string("communicator", "") === "winrm" && r.string("winrm_password", "") === "" && privateKey === "") {
      r.problem("ssh_keypair_name", "A ssh_private_key_file must be provided to retrieve the winrm password when using ssh_keypair_name.");
    } else if (privateKey === "" && !r.bool("ssh_agent_auth")) {
      r.problem("ssh_keypair_name", "A ssh_private_key_file must be provided or ssh_agent_auth enabled when ssh_keypair_name is specified.");
    }
  }
  r.checkPackerType("source_image_filter");
  const filter = r.value("source_image_filter") as { filters?: Record<string, unknown> } | undefined;
  const f = filter && typeof filter === "object" && filter.filters && typeof filter.filters === "object" ? filter.filters : {};
  const isSet = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : v && typeof v === "object" ? Object.keys(v).length > 0 : v !== undefined && v !== null && v !== "");
  const filterSet = ["name", "owner", "tags", "visibility", "properties"].some((k) => isSet(f[k]));
  const sources = [r.string("source_image_name", ""), r.string("source_image", ""), r.string("external_source_image_url", "")].filter((v) => v !== "").length + (filterSet ? 1 : 0);
  if (sources === 0) r.problem("source_image", "Either a source_image, a source_image_name, an external_source_image_url or source_image_filter must be specified");
  else if (sources > 1) r.problem("source_image", "Only one of the options source_image, source_image_name, external_source_image_url, or source_image_filter can be specified, not multiple.");
  if (r.string("flavor", "") === "") r.problem("flavor", "A flavor must be specified");
  const ipVersion = r.string("ssh_ip_version", "");
  if (ipVersion !== "" && ipVersion !== "4" && ipVersion !== "6") r.problem("ssh_ip_version", "SSH IP version must be either 4 or 6");
  for (const [key, value] of Object.entries(r.stringMap("instance_metadata"))) {
    if (Buffer.byteLength(key) > 255) r.problem("instance_metadata", `Instance metadata key too long (max 255 bytes): ${key}`);
    if (Buffer.byteLength(value) > 255) r.problem("instance_metadata", `Instance metadata value too long (max 255 bytes): ${value}`);
  }
  // Checked only once everything else passed (Prepare returns the problems found so far before it).
  if (r.problems.length === 0 && r.string("image_disk_format", "") !== "" && !r.bool("use_blockstorage_volume")) {
    r.problem("image_disk_format", "use_blockstorage_volume must be true if image_disk_format is specified.");
  }
};

/**
 * The openstack access config, with gophercloud's clientconfig: its first problem ends it. A
 * named cloud needs a clouds.yaml (read here, as Packer does); otherwise an auth URL, from the
 * template or OS_AUTH_URL, for Identity v3. Packer then authenticates against it, which Kiln
 * does not do while validating.
 */
function openstackAccess(r: ConfigReader, ctx: PrepareContext): void {
  const endpointType = r.string("endpoint_type", "");
  if (!["", "internal", "internalURL", "admin", "adminURL", "public", "publicURL"].includes(endpointType)) {
    r.problem("endpoint_type", "Invalid endpoint type provided");
    return;
  }
  const cloud = r.string("cloud", "") || process.env.OS_CLOUD || "";
  if (cloud !== "") {
    const why = openstackCloudProblem(cloud, ctx.cwd);
    if (why) r.problem("cloud", why);
    return; // the cloud's entry supplies the rest; the build authenticates with it
  }
  const identityApi = process.env.OS_IDENTITY_API_VERSION ?? "";
  if (identityApi === "2" || identityApi === "2.0") return; // gophercloud's v2 options require nothing
  if (identityApi !== "" && identityApi !== "3") {
    r.problem(undefined, "Unable to build AuthOptions");
    return;
  }
  const authUrl = r.string("identity_endpoint", "") || process.env.OS_AUTH_URL || "";
  if (authUrl === "") r.problem("identity_endpoint", "Missing input for argument [auth_url]");
}

/** gophercloud's GetCloudFromYAML, as far as finding the file and the cloud's entry in it. */
function openstackCloudProblem(cloud: string, cwd: string): string | undefined {
  const candidates = [process.env.OS_CLIENT_CONFIG_FILE ?? "", join(cwd, "clouds.yaml"), join(homedir(), ".config/openstack/clouds.yaml"), "/etc/openstack/clouds.yaml"];
  const file = candidates.find((f) => f !== "" && existsSync(f) && !statSync(f).isDirectory());
  if (!file) return "unable to load clouds.yaml: no clouds.yaml file found";
  let clouds: unknown;
  try {
    clouds = (parseYaml(readFileSync(file, "utf8")) as { clouds?: unknown } | null)?.clouds;
  } catch (e) {
    return `unable to load clouds.yaml: failed to unmarshal yaml: ${(e as Error).message}`;
  }
  if (!clouds || typeof clouds !== "object" || !(cloud in clouds)) return `cloud ${cloud} does not exist in clouds.yaml`;
  return undefined;
}

/** Go's ioutil.ReadFile error text for `shown` ("open x: no such file or directory"), or the content. */
function goReadFile(absolute: string, shown: string): { content: Buffer } | { error: string } {
  try {
    return { content: readFileSync(absolute) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EISDIR") return { error: `read ${shown}: is a directory` };
    return { error: `open ${shown}: ${code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : (e as Error).message}` };
  }
}

/** pathing.ExpandUser for the current user: a leading "~/" is the home folder. */
function expandUser(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

/** A Prepare that returns one error on its own: it replaces every problem of the rules found so far. */
function onlyProblem(r: ConfigReader, key: string | undefined, message: string): void {
  const decoding = r.problems.filter((p) => p.phase !== undefined);
  r.problems.splice(0, r.problems.length, ...decoding);
  r.problem(key, message);
}

/** The oci SDK's PrivateKeyFromBytes: the first PEM block, a PKCS#1 RSA key (decrypted with the pass phrase). */
function isOciPrivateKey(pem: string, passPhrase: string): boolean {
  const block = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/.exec(pem);
  if (!block || block[1] !== "RSA PRIVATE KEY") return false;
  try {
    createPrivateKey({ key: block[0], format: "pem", passphrase: passPhrase });
    return true;
  } catch {
    return false;
  }
}

/** One profile of an OCI SDK config file (~/.oci/config), as the SDK's file provider reads it. */
function ociConfigProfile(path: string, profile: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(expandUser(path), "utf8");
  } catch {
    return undefined;
  }
  const lines = text.split("\n");
  const header = /^\s*\[(.*)\]\s*$/;
  const start = lines.findIndex((l) => header.exec(l)?.[1] === profile);
  if (start < 0) return undefined;
  const out: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    if (header.test(line)) break;
    if (!line.includes("=")) continue;
    const [k, v] = line.split("=");
    const key = k!.trim().toLowerCase();
    out[key === "passphrase" ? "pass_phrase" : key] = v!.trim();
  }
  return out;
}

/** Packer 1.6.6's oracle-oci Prepare (the communicator's checks come first, see COMMUNICATOR_CHECKED). */
const oracleOci: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  let tenancy = "";
  if (r.bool("use_instance_principals")) {
    // Packer then asks the instance metadata service for the tenancy: that needs an OCI instance.
    for (const key of ["access_cfg_file", "access_cfg_file_account", "user_ocid", "tenancy_ocid", "region", "fingerprint", "key_file", "pass_phrase"]) {
      if (s(key) !== "") r.problem(key, `${key} cannot be present when use_instance_principals is set to true.`);
    }
  } else {
    let cfgFile = s("access_cfg_file");
    if (cfgFile === "") {
      const fallback = join(homedir(), ".oci", "config");
      cfgFile = existsSync(fallback) ? fallback : "";
    }
    const file = cfgFile !== "" ? ociConfigProfile(cfgFile, s("access_cfg_file_account") || "DEFAULT") ?? {} : {};
    let keyContent = "";
    const keyFile = s("key_file");
    if (keyFile !== "") {
      const path = expandUser(keyFile);
      const read = goReadFile(resolve(ctx.cwd, path), path);
      if ("error" in read) return onlyProblem(r, "key_file", read.error);
      keyContent = read.content.toString("latin1");
    }
    const passPhrase = s("pass_phrase");
    if ((s("user_ocid") || file.user || "") === "") r.problem("user_ocid", "'user_ocid' must be specified");
    tenancy = s("tenancy_ocid") || file.tenancy || "";
    if (tenancy === "") r.problem("tenancy_ocid", "'tenancy_ocid' must be specified");
    if ((s("fingerprint") || file.fingerprint || "") === "") r.problem("fingerprint", "'fingerprint' must be specified");
    let keyOk = isOciPrivateKey(keyContent, passPhrase);
    if (!keyOk && file.key_file) {
      const fromFile = goReadFile(expandUser(file.key_file), file.key_file);
      keyOk = "content" in fromFile && isOciPrivateKey(fromFile.content.toString("latin1"), passPhrase || file.pass_phrase || "");
    }
    if (!keyOk) r.problem("key_file", "'key_file' must be specified");
  }
  if (s("availability_domain") === "") r.problem("availability_domain", "'availability_domain' must be specified");
  if (s("shape") === "") r.problem("shape", "'shape' must be specified");
  r.checkPackerType("create_vnic_details");
  const vnic = r.value("create_vnic_details") as Record<string, unknown> | undefined;
  const vnicSubnet = vnic && typeof vnic === "object" && vnic.subnet_id !== undefined && vnic.subnet_id !== null ? String(vnic.subnet_id) : undefined;
  const subnet = s("subnet_ocid");
  if (subnet === "" && vnicSubnet === undefined) r.problem("subnet_ocid", "'subnet_ocid' must be specified");
  if (vnicSubnet !== undefined && vnicSubnet !== subnet && subnet !== "") r.problem("create_vnic_details", "'create_vnic_details[subnet]' must match 'subnet_ocid' if both are specified");
  r.checkPackerType("base_image_filter");
  const filter = r.value("base_image_filter");
  const filterSet = !!filter && typeof filter === "object" && Object.values(filter).some((v) => v !== undefined && v !== null);
  if (s("base_image_ocid") === "" && !filterSet) r.problem("base_image_ocid", "'base_image_ocid' or 'base_image_filter' must be specified");
  for (const [rawKey, rawValue] of Object.entries(r.stringMap("tags"))) {
    const [k, v] = [rawKey.trim(), rawValue.trim()];
    if (Buffer.byteLength(k) > 100) r.problem("tags", `Tag key length too long. Maximum 100 but found ${Buffer.byteLength(k)}. Key: ${k}`);
    if (k === "") r.problem("tags", "Tag key empty in config");
    if (Buffer.byteLength(v) > 100) r.problem("tags", `Tag value length too long. Maximum 100 but found ${Buffer.byteLength(v)}. Key: ${k}`);
    if (v === "") r.problem("tags", "Tag value empty in config");
  }
  const userDataFile = s("user_data_file");
  if (s("user_data") !== "" && userDataFile !== "") r.problem("user_data", "Only one of user_data or user_data_file can be specified.");
  else if (userDataFile !== "" && goStatErrorIn(ctx.cwd, userDataFile)) r.problem("user_data_file", `user_data_file not found: ${userDataFile}`);
  if (userDataFile !== "") {
    const read = goReadFile(resolve(ctx.cwd, userDataFile), userDataFile);
    if ("error" in read) r.problem("user_data_file", `Problem reading user_data_file: ${read.error}`);
  }
  const diskSize = r.int("disk_size", 0);
  if (diskSize !== 0 && (diskSize < 50 || diskSize > 16384)) r.problem("disk_size", "'disk_size' must be between 50 and 16384 GBs");
};

/** The Azure client config's SetDefaultValues: a known cloud environment name (its error ends Prepare). */
function azureCloudEnvironmentProblem(r: ConfigReader): boolean {
  const name = r.string("cloud_environment_name", "") || "Public";
  const known = ["CHINA", "CHINACLOUD", "AZURECHINACLOUD", "GERMAN", "GERMANCLOUD", "AZUREGERMANCLOUD", "GERMANY", "GERMANYCLOUD", "AZUREGERMANYCLOUD", "PUBLIC", "PUBLICCLOUD", "AZUREPUBLICCLOUD", "USGOVERNMENT", "USGOVERNMENTCLOUD", "AZUREUSGOVERNMENTCLOUD"];
  if (known.includes(name.toUpperCase())) return false;
  onlyProblem(r, "cloud_environment_name", `There is no cloud environment matching the name '${name}'!`);
  return true;
}

/** Go's %v of a string list: `[a b c]`. */
const goList = (values: readonly string[]): string => `[${values.join(" ")}]`;

/** The client package's ParseResourceID: `/subscriptions/s/resourceGroups/g/providers/P/type/name…`, or undefined. */
function parseAzureResourceId(id: string): { provider: string; resourceType: string } | undefined {
  const segments = id.replace(/^\/+|\/+$/g, "").split("/");
  if (segments.length % 2 !== 0 || segments.some((x) => x === "")) return undefined;
  const keys = segments.filter((_, i) => i % 2 === 0);
  const values = segments.filter((_, i) => i % 2 === 1);
  if (keys.length < 3 || keys[0]!.toLowerCase() !== "subscriptions" || keys[1]!.toLowerCase() !== "resourcegroups" || keys[2]!.toLowerCase() !== "providers") return undefined;
  if (keys.length < 4) return undefined; // a resource type and name are needed
  return { provider: values[2]!, resourceType: keys.slice(3).join("/") };
}

const AZURE_METADATA_UNREAD = "the Azure instance metadata service answers only on an Azure VM, and kiln validate does not query it";

/**
 * Packer 1.6.6's azure-chroot Prepare. Its default temporary disk and snapshot ids come from the
 * `vm` template function, which asks the Azure instance metadata service about the host: Packer
 * fails there on any machine that is not an Azure VM, and Kiln does not ask while validating.
 */
const azureChroot: PrepareRule = (r) => {
  const s = (k: string): string => r.string(k, "");
  if (azureCloudEnvironmentProblem(r)) return;
  const metadata = `error calling vm: ${AZURE_METADATA_UNREAD}`;
  const defaults: [string, string, string][] = [
    ["temporary_os_disk_id", "temporary disk id", "disks"],
    ["temporary_os_disk_snapshot_id", "temporary snapshot id", "snapshots"],
    ["temporary_data_disk_id_prefix", "temporary data disk id prefix", "disks"],
    ["temporary_data_disk_snapshot_id", "temporary data disk snapshot id prefix", "snapshots"],
  ];
  for (const [key, what] of defaults) {
    if (s(key) === "") r.problem(key, `unable to render ${what}: template: root:1:18: executing "root" at <vm \`subscription_id\`>: ${metadata}`);
  }
  const source = s("source");
  if (r.bool("from_scratch")) {
    if (source !== "") r.problem("source", "source cannot be specified when building from_scratch");
    if (r.int("os_disk_size_gb", 0) === 0) r.problem("os_disk_size_gb", "os_disk_size_gb is required with from_scratch");
    if (r.stringList("pre_mount_commands").length === 0) r.problem("pre_mount_commands", "pre_mount_commands is required with from_scratch");
  } else {
    const id = parseAzureResourceId(source);
    const compute = id?.provider.toLowerCase() === "microsoft.compute";
    const kind = id?.resourceType.toLowerCase();
    if (!/^[-_.a-zA-Z0-9]+:[-_.a-zA-Z0-9]+:[-_.a-zA-Z0-9]+:[-_.a-zA-Z0-9]+$/.test(source) && !(compute && (kind === "disks" || kind === "galleries/images/versions"))) {
      r.problem("source", `source: ${JSON.stringify(source)} is not a valid platform image specifier, nor is it a disk resource ID`);
    }
  }
  const caching = ["None", "ReadOnly", "ReadWrite"];
  const storage = ["Premium_LRS", "Standard_LRS", "StandardSSD_LRS", "UltraSSD_LRS"];
  const oneOf = (key: string, fallback: string, allowed: string[]): void => {
    const v = s(key) || fallback;
    if (!allowed.includes(v)) r.problem(key, `${key}: ${JSON.stringify(v)} is not a valid value ${goList(allowed)}`);
  };
  oneOf("os_disk_cache_type", "ReadOnly", caching);
  oneOf("os_disk_storage_account_type", "Premium_LRS", storage);
  oneOf("data_disk_cache_type", "ReadOnly", caching);
  oneOf("data_disk_storage_account_type", "Premium_LRS", storage);
  const imageId = s("image_resource_id");
  if (imageId !== "") {
    // autorest's ParseResourceID; Packer appends this error to a new list, dropping the ones before it.
    const m = /subscriptions\/(.+)\/resourceGroups\/(.+)\/providers\/(.+?)\/(.+?)\/(.+)/i.exec(imageId);
    if (!m || m[3]!.toLowerCase() !== "microsoft.compute" || m[4]!.toLowerCase() !== "images") onlyProblem(r, "image_resource_id", `image_resource_id: ${JSON.stringify(imageId)} is not a valid image resource id`);
  }
  if (r.has("shared_image_destination")) {
    r.checkPackerType("shared_image_destination");
    const d = (r.value("shared_image_destination") ?? {}) as Record<string, unknown>;
    const prefix = "shared_image_destination";
    const str = (k: string): string => (d && typeof d === "object" && d[k] !== undefined && d[k] !== null ? String(d[k]) : "");
    if (str("resource_group") === "") r.problem(prefix, `${prefix}.resource_group is required`);
    if (str("gallery_name") === "") r.problem(prefix, `${prefix}.gallery_name is required`);
    if (str("image_name") === "") r.problem(prefix, `${prefix}.image_name is required`);
    if (!/^[0-9]+\.[0-9]+\.[0-9]+$/.test(str("image_version"))) r.problem(prefix, `${prefix}.image_version should match '^[0-9]+\\.[0-9]+\\.[0-9]+$'`);
  } else if (imageId === "") {
    r.problem("image_resource_id", "image_resource_id or shared_image_destination is required");
  }
  oneOf("image_hyperv_generation", "V1", ["V1", "V2"]);
};

/** The Azure client config's Validate: which credentials make a valid set (none at all is the machine's managed identity). */
function azureClientConfig(r: ConfigReader, ctx: PrepareContext): void {
  const s = (k: string): string => r.string(k, "");
  const [subscription, clientId, secret, jwt, certPath, tenant] = ["subscription_id", "client_id", "client_secret", "client_jwt", "client_cert_path", "tenant_id"].map(s);
  if (r.bool("use_azure_cli_auth")) return;
  if (subscription === "" && clientId === "" && secret === "" && jwt === "" && certPath === "" && tenant === "") return;
  if (subscription !== "" && clientId === "" && secret === "" && jwt === "" && certPath === "") return;
  if (subscription !== "" && clientId !== "" && secret !== "" && certPath === "" && jwt === "") return;
  if (subscription !== "" && clientId !== "" && secret === "" && certPath !== "" && jwt === "") {
    const why = goStatErrorIn(ctx.cwd, certPath);
    if (why) r.problem("client_cert_path", `client_cert_path is not an accessible file: ${why}`);
    return;
  }
  if (subscription !== "" && clientId !== "" && secret === "" && certPath === "" && jwt !== "") return; // the JWT's own checks are not transcribed
  r.problem("subscription_id", "No valid set of authentication values specified:\n"
    + "  to use the Managed Identity of the current machine, do not specify any of the fields below\n"
    + "  to use interactive user authentication, specify only subscription_id\n"
    + "  to use an Azure Active Directory service principal, specify either:\n"
    + "  - subscription_id, client_id and client_secret\n"
    + "  - subscription_id, client_id and client_cert_path\n"
    + "  - subscription_id, client_id and client_jwt.");
}

/** Packer 1.6.6's azure-dtl Prepare (newConfig): client config, communicator (ssh_username defaults to "packer"), then its own checks. */
const azureDtl: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  if (azureCloudEnvironmentProblem(r)) return;
  const before = r.problems.length;
  readCommunicatorConfig(r, { cwd: ctx.cwd });
  const noUsername = r.problems.findIndex((p, i) => i >= before && p.field === "ssh_username" && p.message.startsWith("An ssh_username must be specified"));
  if (noUsername >= 0) r.problems.splice(noUsername, 1);
  azureClientConfig(r, ctx);
  azureClientConfig(r, ctx); // Packer validates the client config twice, and so reports its problems twice
  const captureContainer = s("capture_container_name");
  const capturePrefix = s("capture_name_prefix");
  const managedName = s("managed_image_name");
  const managedGroup = s("managed_image_resource_group_name");
  if (captureContainer === "" && managedName === "") r.problem("capture_container_name", "A capture_container_name or managed_image_name must be specified");
  if (capturePrefix === "" && managedGroup === "") r.problem("capture_name_prefix", "A capture_name_prefix or managed_image_resource_group_name must be specified");
  if ((capturePrefix !== "" || captureContainer !== "") && (managedGroup !== "" || managedName !== "")) {
    r.problem("capture_container_name", "Either a VHD or a managed image can be built, but not both. Please specify either capture_container_name and capture_name_prefix or managed_image_resource_group_name and managed_image_name.");
  }
  if (captureContainer !== "") {
    if (!/^[a-z0-9][a-z0-9-]{2,62}/.test(captureContainer)) r.problem("capture_container_name", 'A capture_container_name must satisfy the regular expression "^[a-z0-9][a-z0-9\\\\-]{2,62}".');
    if (captureContainer.endsWith("-")) r.problem("capture_container_name", "A capture_container_name must not end with a hyphen, e.g. '-'.");
    if (captureContainer.includes("--")) r.problem("capture_container_name", "A capture_container_name must not contain consecutive hyphens, e.g. '--'.");
    if (capturePrefix === "") r.problem("capture_name_prefix", "A capture_name_prefix must be specified");
    if (!/^[A-Za-z0-9][A-Za-z0-9_\-.]{0,23}$/.test(capturePrefix)) r.problem("capture_name_prefix", 'A capture_name_prefix must satisfy the regular expression "^[A-Za-z0-9][A-Za-z0-9_\\\\-\\\\.]{0,23}$".');
    if (capturePrefix.endsWith("-") || capturePrefix.endsWith(".")) r.problem("capture_name_prefix", "A capture_name_prefix must not end with a hyphen or period.");
  }
  const labGroup = s("lab_resource_group_name");
  if (labGroup === "") r.problem("lab_resource_group_name", "The settings lab_resource_group_name needs to be defined.");
  const imageUrl = s("image_url");
  const customName = s("custom_managed_image_name");
  const customGroup = s("custom_managed_image_resource_group_name");
  r.checkPackerType("shared_image_gallery");
  const gallery = r.value("shared_image_gallery") as Record<string, unknown> | undefined;
  const galleryField = (k: string): string => (gallery && typeof gallery === "object" && gallery[k] !== undefined && gallery[k] !== null ? String(gallery[k]) : "");
  const [publisher, offer, sku] = [s("image_publisher"), s("image_offer"), s("image_sku")];
  const sources = [imageUrl !== "", customName !== "" || customGroup !== "", publisher !== "" || offer !== "" || sku !== "", galleryField("gallery_name") !== ""].filter(Boolean).length;
  if (sources > 1) {
    r.problem("image_url", "Specify either a VHD (image_url), Image Reference (image_publisher, image_offer, image_sku), a Managed Disk (custom_managed_disk_image_name, custom_managed_disk_resource_group_name), or a Shared Gallery Image (shared_image_gallery)");
  }
  if (imageUrl !== "" && managedGroup !== "") r.problem("image_url", "A managed image must be created from a managed image, it cannot be created from a VHD.");
  if (galleryField("gallery_name") !== "") {
    for (const k of ["subscription", "resource_group", "image_name"]) {
      if (galleryField(k) === "") r.problem("shared_image_gallery", `A shared_image_gallery.${k} must be specified`);
    }
    if (captureContainer !== "") r.problem("capture_container_name", "VHD Target [capture_container_name] is not supported when using Shared Image Gallery as source. Use managed_image_resource_group_name instead.");
    if (capturePrefix !== "") r.problem("capture_name_prefix", "VHD Target [capture_name_prefix] is not supported when using Shared Image Gallery as source. Use managed_image_name instead.");
  } else if (imageUrl === "" && customName === "") {
    if (publisher === "") r.problem("image_publisher", "An image_publisher must be specified");
    if (offer === "") r.problem("image_offer", "An image_offer must be specified");
    if (sku === "") r.problem("image_sku", "An image_sku must be specified");
  } else if (imageUrl === "" && publisher === "") {
    if (customGroup === "") r.problem("custom_managed_image_resource_group_name", "An custom_managed_image_resource_group_name must be specified");
    if (customName === "") r.problem("custom_managed_image_name", "A custom_managed_image_name must be specified");
    if (managedGroup === "") r.problem("managed_image_resource_group_name", "An managed_image_resource_group_name must be specified");
    if (managedName === "") r.problem("managed_image_name", "An managed_image_name must be specified");
  } else if (publisher !== "" || offer !== "" || sku !== "" || s("image_version") !== "") {
    // image_version defaults to "latest" when image_publisher is set
    r.problem("image_url", "An image_url must not be specified if image_publisher, image_offer, image_sku, or image_version is specified");
  }
  if (managedGroup !== "" && !isValidAzureName(AZURE_RESOURCE_GROUP_NAME, managedGroup)) {
    r.problem("managed_image_resource_group_name", `The setting managed_image_resource_group_name must match the regular expression "^[^_\\\\W][\\\\w-._\\\\(\\\\)]{0,89}$", and not end with a '-' or '.'.`);
  }
  if (managedName !== "" && !isValidAzureName(AZURE_MANAGED_DISK_NAME, managedName)) {
    r.problem("managed_image_name", `The setting managed_image_name must match the regular expression "^[^_\\\\W][\\\\w-._)]{0,79}$", and not end with a '-' or '.'.`);
  }
  const labNetwork = s("lab_virtual_network_name");
  if (labNetwork === "" && labGroup !== "") r.problem("lab_virtual_network_name", "If lab_resource_group_name is specified, so must lab_virtual_network_name");
  if (labNetwork === "" && s("lab_subnet_name") !== "") r.problem("lab_subnet_name", "If virtual_network_subnet_name is specified, so must lab_virtual_network_name");
  const osType = s("os_type");
  if (osType === "") r.problem("os_type", "An os_type must be specified");
  else if (!["linux", "windows"].includes(osType.toLowerCase())) r.problem("os_type", `The os_type ${JSON.stringify(osType)} is invalid`);
  const storageType = s("managed_image_storage_account_type");
  if (!["", "Standard_LRS", "Premium_LRS"].includes(storageType)) r.problem("managed_image_storage_account_type", `The managed_image_storage_account_type ${JSON.stringify(storageType)} is invalid`);
  const tags = r.stringMap("azure_tags");
  if (Object.keys(tags).length > 15) r.problem("azure_tags", `a max of 15 tags are supported, but ${Object.keys(tags).length} were provided`);
  for (const [k, v] of Object.entries(tags)) {
    if (Buffer.byteLength(k) > 512) r.problem("azure_tags", `the tag name ${JSON.stringify(k)} exceeds (${Buffer.byteLength(k)}) the 512 character limit`);
    if (Buffer.byteLength(v) > 256) r.problem("azure_tags", `the tag name ${JSON.stringify(v)} exceeds (${Buffer.byteLength(v)}) the 256 character limit`);
  }
};

/** Go's json.Unmarshal into a map, as far as its error texts go: the empty input, a value not an object. */
function goJsonObjectError(text: string): string | undefined {
  if (text.trim() === "") return "unexpected end of JSON input";
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message);
    const c = at ? text[Number(at[1])] : undefined;
    return c === undefined ? "unexpected end of JSON input" : `invalid character '${c}' looking for beginning of value`;
  }
  if (v === null || (typeof v === "object" && !Array.isArray(v))) return undefined;
  const kind = Array.isArray(v) ? "array" : typeof v === "string" ? "string" : typeof v === "number" ? "number" : "bool";
  return `json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`;
}

/** Packer 1.6.6's oracle-classic Prepare: its Config (required settings, names, attributes, communicator), then the PV config. */
const oracleClassic: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  for (const key of ["username", "password", "api_endpoint", "identity_domain", "source_image_list", "dest_image_list", "shape"]) {
    if (s(key) === "") r.problem(key, `You must specify a ${key}.`);
  }
  for (const key of ["dest_image_list", "image_name"]) {
    if (!/^[a-zA-Z0-9-._/]+$/.test(s(key))) r.problem(key, `${key} can contain only alphanumeric characters, hyphens, underscores, and periods.`);
  }
  const attributes = s("attributes");
  const attributesFile = s("attributes_file");
  if (attributes !== "" && attributesFile !== "") r.problem("attributes", "Only one of user_data or user_data_file can be specified.");
  else if (attributesFile !== "" && goStatErrorIn(ctx.cwd, attributesFile)) r.problem("attributes_file", `attributes_file not found: ${attributesFile}`);
  readCommunicatorConfig(r, { cwd: ctx.cwd });
  if (attributes !== "") {
    const why = goJsonObjectError(attributes);
    if (why) r.problem("attributes", `Problem parsing json from attributes: ${why}`);
  } else if (attributesFile !== "") {
    const read = goReadFile(resolve(ctx.cwd, attributesFile), attributesFile);
    if ("error" in read) r.problem("attributes_file", `Problem reading attributes_file: ${read.error}`);
    const why = goJsonObjectError("content" in read ? read.content.toString("utf8") : "");
    if (why) r.problem("attributes_file", `Problem parsing json from attributes_file: ${why}`);
  }
  if (r.problems.length > 0) return; // the PV config is checked only once the Config passed
  if (r.int("persistent_volume_size", 0) <= 0) {
    if (s("builder_shape") !== "") r.problem("builder_shape", "`builder_shape` has no meaning when `persistent_volume_size` is not set.");
    if (s("builder_image_list") !== "") r.problem("builder_image_list", "`builder_image_list` has no meaning when `persistent_volume_size` is not set.");
    if (r.value("builder_image_list_entry") !== undefined && r.value("builder_image_list_entry") !== null) r.problem("builder_image_list_entry", "`builder_image_list_entry` has no meaning when `persistent_volume_size` is not set.");
  } else {
    r.checkPackerType("builder_communicator");
    const comm = r.value("builder_communicator") as Record<string, unknown> | undefined;
    if (comm && typeof comm === "object" && comm.communicator === "winrm") r.problem("builder_communicator", "`ssh` is the only valid builder communicator type.");
  }
};

/** Packer 1.6.6's scaleway Prepare: credentials from the template, SCALEWAY_* or the SDK's SCW_* variables. */
const scaleway: PrepareRule = (r) => {
  const env = (...names: string[]): string => names.map((n) => process.env[n] ?? "").find((v) => v !== "") ?? "";
  const organization = r.string("organization_id", "") || env("SCALEWAY_ORGANIZATION") || env("SCALEWAY_API_ACCESS_KEY");
  const token = r.string("api_token", "") || env("SCALEWAY_API_TOKEN");
  const region = r.string("region", "");
  const projectId = organization || r.string("project_id", "") || env("SCW_DEFAULT_PROJECT_ID");
  const secretKey = token || r.string("secret_key", "") || env("SCW_SECRET_KEY", "SCW_TOKEN");
  const zone = region || r.string("zone", "") || env("SCW_DEFAULT_ZONE");
  if (projectId === "") r.problem("project_id", "scaleway Project ID must be specified");
  if (secretKey === "") r.problem("secret_key", "scaleway Secret Key must be specified");
  if (zone === "") r.problem("zone", "Scaleway Zone is required");
  if (r.string("commercial_type", "") === "") r.problem("commercial_type", "commercial type is required");
  if (r.string("image", "") === "") r.problem("image", "image is required");
};

const TENCENTCLOUD_REGIONS = [
  "ap-bangkok", "ap-beijing", "ap-chengdu", "ap-chongqing", "ap-guangzhou", "ap-guangzhou-open", "ap-hongkong", "ap-shanghai", "ap-shanghai-fsi",
  "ap-shenzhen-fsi", "ap-mumbai", "ap-seoul", "ap-singapore", "ap-tokyo", "eu-moscow", "eu-frankfurt", "na-ashburn", "na-siliconvalley", "na-toronto",
];

/** Packer 1.6.6's tencentcloud-cvm Prepare: access, image and run configs (the communicator's checks come first). */
const tencentcloudCvm: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  const skipValidation = r.bool("skip_region_validation");
  if ((s("secret_id") || process.env.TENCENTCLOUD_SECRET_ID || "") === "" || (s("secret_key") || process.env.TENCENTCLOUD_SECRET_KEY || "") === "") {
    r.problem("secret_id", "parameter secret_id and secret_key must be set");
  }
  const region = s("region");
  if (region === "") r.problem("region", "parameter region must be set");
  else if (!skipValidation && !TENCENTCLOUD_REGIONS.includes(region)) r.problem("region", `unknown region: ${region}`);
  const imageName = s("image_name");
  if (imageName === "") r.problem("image_name", "image_name must be specified");
  else if ([...imageName].length > 60) r.problem("image_name", "image_name length should not exceed 60 characters");
  if ([...s("image_description")].length > 60) r.problem("image_description", "image_description length should not exceed 60 characters");
  if (!skipValidation) {
    for (const copyRegion of new Set(r.stringList("image_copy_regions"))) {
      if (!TENCENTCLOUD_REGIONS.includes(copyRegion)) r.problem("image_copy_regions", `unknown region: ${copyRegion}`);
    }
  }
  const sourceImageId = s("source_image_id");
  if (sourceImageId === "" && s("source_image_name") === "") r.problem("source_image_id", "source_image_id or source_image_name must be specified");
  if (sourceImageId !== "" && !/img-[0-9a-z]{8}$/.test(sourceImageId)) r.problem("source_image_id", "source_image_id wrong format");
  if (s("instance_type") === "") r.problem("instance_type", "instance_type must be specified");
  const userDataFile = s("user_data_file");
  if (s("user_data") !== "" && userDataFile !== "") r.problem("user_data", "only one of user_data or user_data_file can be specified");
  else if (userDataFile !== "" && goStatErrorIn(ctx.cwd, userDataFile)) r.problem("user_data_file", "user_data_file not exist");
  const [vpcId, subnetId] = [s("vpc_id"), s("subnet_id")];
  if ((vpcId !== "" || s("cidr_block") !== "") && subnetId === "" && s("subnect_cidr_block") === "") {
    r.problem("cidr_block", "if vpc cidr_block is specified, then subnet_cidr_block must also be specified.");
  }
  if (vpcId === "" && subnetId !== "") r.problem("subnet_id", "can't set subnet_id without set vpc_id");
  const diskType = s("disk_type");
  if (diskType !== "" && !["LOCAL_BASIC", "LOCAL_SSD", "CLOUD_BASIC", "CLOUD_SSD", "CLOUD_PREMIUM"].includes(diskType)) r.problem("disk_type", `specified disk_type(${diskType}) is invalid`);
};

/** Base64 of OpenSSH's wire form of an RSA public key, from its JWK. */
function sshRsaPublicKeyBlob(jwk: { n?: string; e?: string }): Buffer {
  const field = (b: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return Buffer.concat([length, b]);
  };
  const mpint = (b64url: string): Buffer => {
    const b = Buffer.from(b64url, "base64url");
    return field(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  };
  return Buffer.concat([field(Buffer.from("ssh-rsa")), mpint(jwk.e ?? ""), mpint(jwk.n ?? "")]);
}

/** triton-go's signers: an SSH agent (SSH_AUTH_SOCK), or the key material (a path or the PEM itself) matching triton_key_id. */
function tritonSignerProblem(keyId: string, keyMaterial: string, cwd: string): string | undefined {
  if (keyMaterial === "") {
    // With an agent, Packer asks it for the key: not done while validating in Kiln.
    return process.env.SSH_AUTH_SOCK === undefined ? "Error creating Triton request signer: environment variable SSH_AUTH_SOCK not set" : undefined;
  }
  let material = keyMaterial;
  if (!goStatErrorIn(cwd, keyMaterial)) {
    const read = goReadFile(resolve(cwd, keyMaterial), keyMaterial);
    if ("error" in read) return `Error reading key material from path '${keyMaterial}': ${read.error}`;
    material = read.content.toString("latin1");
  }
  const block = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/.exec(material);
  if (!block) return "Error creating Triton request signer: Error PEM-decoding private key material: nil block received";
  let jwk: { n?: string; e?: string };
  try {
    if (block[1] !== "RSA PRIVATE KEY") throw new Error("not PKCS#1");
    jwk = createPublicKey(createPrivateKey({ key: block[0], format: "pem" })).export({ format: "jwk" }) as { n?: string; e?: string };
  } catch {
    return "Error creating Triton request signer: unable to parse private key";
  }
  const fingerprint = createHash("md5").update(sshRsaPublicKeyBlob(jwk)).digest("hex");
  if (fingerprint !== keyId.replace(/:/g, "")) return "Error creating Triton request signer: Private key file does not match public key fingerprint";
  return undefined;
}

/** Packer 1.6.6's triton Prepare: access, source machine, communicator and target image configs, all reported together. */
const triton: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  if (s("triton_account") === "") r.problem("triton_account", "triton_account is required to use the triton builder");
  const keyId = s("triton_key_id");
  if (keyId === "") r.problem("triton_key_id", "triton_key_id is required to use the triton builder");
  const signer = tritonSignerProblem(keyId, s("triton_key_material"), ctx.cwd);
  if (signer) r.problem("triton_key_material", signer);
  if (s("source_machine_package") === "") r.problem("source_machine_package", "A source_machine_package must be specified");
  r.checkPackerType("source_machine_image_filter");
  const filter = r.value("source_machine_image_filter") as Record<string, unknown> | undefined;
  if (s("source_machine_image") !== "" && filter && typeof filter === "object" && filter.name) r.problem("source_machine_image", "You cannot specify a Machine Image and also Machine Name filter");
  // (the communicator's checks come here in Packer's list)
  if (s("image_name") === "") r.problem("image_name", "An image_name must be specified");
  if (s("image_version") === "") r.problem("image_version", "An image_version must be specified");
};

/** Packer 1.6.6's cloudstack Prepare (the communicator's checks, last in Packer's list, come first here). */
const cloudstack: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  required(r, "api_url", "a api_url must be specified", "CLOUDSTACK_API_URL");
  required(r, "api_key", "a api_key must be specified", "CLOUDSTACK_API_KEY");
  required(r, "secret_key", "a secret_key must be specified", "CLOUDSTACK_SECRET_KEY");
  required(r, "network", "a network must be specified");
  if (r.bool("create_security_group") && !r.bool("expunge")) r.problem("create_security_group", "auto creating a temporary security group requires expunge");
  required(r, "service_offering", "a service_offering must be specified");
  const [iso, template] = [s("source_iso"), s("source_template")];
  if (iso === "" && template === "") r.problem("source_iso", "either source_iso or source_template must be specified");
  if (iso !== "" && template !== "") r.problem("source_iso", "only one of source_iso or source_template can be specified");
  if (iso !== "" && s("disk_offering") === "") r.problem("disk_offering", "a disk_offering must be specified when using source_iso");
  if (iso !== "" && s("hypervisor") === "") r.problem("hypervisor", "a hypervisor must be specified when using source_iso");
  required(r, "template_os", "a template_os must be specified");
  const userDataFile = s("user_data_file");
  if (s("user_data") !== "" && userDataFile !== "") r.problem("user_data", "only one of user_data or user_data_file can be specified");
  if (userDataFile !== "" && goStatErrorIn(ctx.cwd, userDataFile)) r.problem("user_data_file", `user_data_file not found: ${userDataFile}`);
  required(r, "zone", "a zone must be specified");
};

/** Packer 1.6.6's jdcloud Prepare: credential config, then the instance config (the communicator's checks come first). */
const jdcloud: PrepareRule = (r) => {
  const s = (k: string): string => r.string(k, "");
  if ((s("access_key") || process.env.JDCLOUD_ACCESS_KEY || "") === "" || (s("secret_key") || process.env.JDCLOUD_SECRET_KEY || "") === "") {
    r.problem("access_key", "[PRE-FLIGHT] We can't find your key pairs,write them here {access_key=xxx , secret_key=xxx} or export them as env-variable, {export JDCLOUD_ACCESS_KEY=xxx, export JDCLOUD_SECRET_KEY=xxx} ");
  }
  const region = s("region_id");
  if (!["cn-north-1", "cn-south-1", "cn-east-1", "cn-east-2"].includes(region)) r.problem("region_id", `[PRE-FLIGHT] Invalid RegionId:${region}. Legit RegionId are: {cn-north-1, cn-south-1, cn-east-1, cn-east-2}`);
  if (s("az") === "") r.problem("az", "[PRE-FLIGHT] az info missing");
  if (s("image_id") === "") r.problem("image_id", "[PRE-FLIGHT] 'image_id' empty");
  if (s("instance_name") === "") r.problem("instance_name", "[PRE-FLIGHT] 'instance_name' empty");
  if (s("instance_type") === "") r.problem("instance_type", "[PRE-FLIGHT] 'instance-type' empty");
  if (s("ssh_password") === "" && s("ssh_keypair_name") === "" && s("ssh_private_key_file") === "" && s("temporary_key_pair_name") === "") {
    r.problem(undefined, "[PRE-FLIGHT] Didn't detect any credentials, you have to specify either {password} or {key_name+local_private_key_path} or {temporary_key_pair_name} cheers :)");
  }
};

/** Packer 1.6.6's ncloud Prepare (the communicator's checks come first). */
const ncloud: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  const bytes = (k: string): number => Buffer.byteLength(s(k));
  required(r, "access_key", "access_key is required");
  required(r, "secret_key", "secret_key is required");
  const [memberImage, productCode] = [s("member_server_image_no"), s("server_image_product_code")];
  if (memberImage === "" && productCode === "") r.problem("server_image_product_code", "server_image_product_code or member_server_image_no is required");
  if (memberImage !== "" && productCode !== "") r.problem("server_image_product_code", "Only one of server_image_product_code and member_server_image_no can be set");
  if (bytes("server_image_product_code") > 20) r.problem("server_image_product_code", "If server_image_product_code field is set, length of server_image_product_code should be max 20");
  if (bytes("server_product_code") > 20) r.problem("server_product_code", "If server_product_code field is set, length of server_product_code should be max 20");
  if (s("server_image_name") !== "" && (bytes("server_image_name") < 3 || bytes("server_image_name") > 30)) r.problem("server_image_name", "If server_image_name field is set, length of server_image_name should be min 3 and max 20");
  if (bytes("server_image_description") > 1000) r.problem("server_image_description", "If server_image_description field is set, length of server_image_description should be max 1000");
  const blockStorage = r.int("block_storage_size", 0);
  if (blockStorage !== 0) {
    if (blockStorage < 10 || blockStorage > 2000) r.problem("block_storage_size", "The size of BlockStorageSize is at least 10 GB and up to 2000GB");
    else if (blockStorage % 10 !== 0) return onlyProblem(r, "block_storage_size", "BlockStorageSize must be a multiple of 10 GB");
  }
  const userDataFile = s("user_data_file");
  if (s("user_data") !== "" && userDataFile !== "") r.problem("user_data", "Only one of user_data or user_data_file can be specified.");
  else if (userDataFile !== "" && goStatErrorIn(ctx.cwd, userDataFile)) r.problem("user_data_file", `user_data_file not found: ${userDataFile}`);
  if (bytes("user_data") > 21847) r.problem("user_data", "If user_data field is set, length of UserData should be max 21847");
  if (s("communicator") === "winrm" && s("access_control_group_configuration_no") === "") {
    r.problem("access_control_group_configuration_no", "If Communicator is winrm, access_control_group_configuration_no is required");
  }
};

/** Packer 1.6.6's profitbricks Prepare (the communicator's checks come first). */
const profitbricks: PrepareRule = (r) => {
  if (r.string("ssh_password", "") === "" && r.string("ssh_private_key_file", "") === "") r.problem("ssh_password", "Either ssh private key path or ssh password must be set.");
  required(r, "image", "ProfitBricks 'image' is required");
  required(r, "username", "ProfitBricks username is required", "PROFITBRICKS_USERNAME");
  required(r, "password", "ProfitBricks password is required", "PROFITBRICKS_PASSWORD");
};

const azureArm: PrepareRule = (r) => {
  const s = (k: string): string => r.string(k, "");
  const captureContainer = s("capture_container_name");
  const capturePrefix = s("capture_name_prefix");
  const managedName = s("managed_image_name");
  const managedGroup = s("managed_image_resource_group_name");
  if (captureContainer === "" && managedName === "") r.problem("capture_container_name", "A capture_container_name or managed_image_name must be specified");
  if (capturePrefix === "" && managedGroup === "") r.problem("capture_name_prefix", "A capture_name_prefix or managed_image_resource_group_name must be specified");
  if ((capturePrefix !== "" || captureContainer !== "") && (managedGroup !== "" || managedName !== "")) {
    r.problem("capture_container_name", "Either a VHD or a managed image can be built, but not both. Please specify either capture_container_name and capture_name_prefix or managed_image_resource_group_name and managed_image_name.");
  }
  if (captureContainer !== "") {
    if (!/^[a-z0-9][a-z0-9-]{2,62}$/.test(captureContainer)) r.problem("capture_container_name", 'A capture_container_name must satisfy the regular expression "^[a-z0-9][a-z0-9\\\\-]{2,62}$".');
    if (captureContainer.endsWith("-")) r.problem("capture_container_name", "A capture_container_name must not end with a hyphen, e.g. '-'.");
    if (captureContainer.includes("--")) r.problem("capture_container_name", "A capture_container_name must not contain consecutive hyphens, e.g. '--'.");
    if (capturePrefix === "") r.problem("capture_name_prefix", "A capture_name_prefix must be specified");
    if (!/^[A-Za-z0-9][A-Za-z0-9_\-.]{0,23}$/.test(capturePrefix)) r.problem("capture_name_prefix", 'A capture_name_prefix must satisfy the regular expression "^[A-Za-z0-9][A-Za-z0-9_\\\\-\\\\.]{0,23}$".');
    if (capturePrefix.endsWith("-") || capturePrefix.endsWith(".")) r.problem("capture_name_prefix", "A capture_name_prefix must not end with a hyphen or period.");
  }
  if (s("temp_resource_group_name") !== "" && s("build_resource_group_name") !== "") {
    r.problem("temp_resource_group_name", "The settings temp_resource_group_name and build_resource_group_name cannot both be defined.  Please define one or neither.");
  }
  const imageUrl = s("image_url");
  const customName = s("custom_managed_image_name");
  const customGroup = s("custom_managed_image_resource_group_name");
  const gallery = r.value("shared_image_gallery") as Record<string, unknown> | undefined;
  const galleryName = gallery && typeof gallery === "object" ? String(gallery.gallery_name ?? "") : "";
  const [publisher, offer, sku] = [s("image_publisher"), s("image_offer"), s("image_sku")];
  const sources = [imageUrl !== "", customName !== "" || customGroup !== "", publisher !== "" || offer !== "" || sku !== "", galleryName !== ""].filter(Boolean).length;
  if (sources > 1) {
    r.problem("image_url", "Specify either a VHD (image_url), Image Reference (image_publisher, image_offer, image_sku), a Managed Disk (custom_managed_disk_image_name, custom_managed_disk_resource_group_name), or a Shared Gallery Image (shared_image_gallery)");
  }
  if (imageUrl !== "" && managedGroup !== "") r.problem("image_url", "A managed image must be created from a managed image, it cannot be created from a VHD.");
  if (galleryName !== "") {
    for (const k of ["subscription", "resource_group", "image_name"]) {
      if (!gallery?.[k]) r.problem("shared_image_gallery", `A shared_image_gallery.${k} must be specified`);
    }
    if (captureContainer !== "") r.problem("capture_container_name", "VHD Target [capture_container_name] is not supported when using Shared Image Gallery as source. Use managed_image_resource_group_name instead.");
    if (capturePrefix !== "") r.problem("capture_name_prefix", "VHD Target [capture_name_prefix] is not supported when using Shared Image Gallery as source. Use managed_image_name instead.");
  } else if (imageUrl === "" && customName === "") {
    if (publisher === "") r.problem("image_publisher", "An image_publisher must be specified");
    if (offer === "") r.problem("image_offer", "An image_offer must be specified");
    if (sku === "") r.problem("image_sku", "An image_sku must be specified");
  } else if (imageUrl === "" && publisher === "") {
    if (customGroup === "") r.problem("custom_managed_image_resource_group_name", "A custom_managed_image_resource_group_name must be specified");
    if (customName === "") r.problem("custom_managed_image_name", "A custom_managed_image_name must be specified");
    if (managedGroup === "") r.problem("managed_image_resource_group_name", "A managed_image_resource_group_name must be specified");
    if (managedName === "") r.problem("managed_image_name", "A managed_image_name must be specified");
  } else if (publisher !== "" || offer !== "" || sku !== "" || s("image_version") !== "") {
    r.problem("image_url", "An image_url must not be specified if image_publisher, image_offer, image_sku, or image_version is specified");
  }
  const storageAccount = s("storage_account");
  const resourceGroup = s("resource_group_name");
  const xor = (a: boolean, b: boolean): boolean => a !== b;
  if (!xor(storageAccount !== "" || resourceGroup !== "", managedName !== "" || managedGroup !== "")) {
    r.problem("storage_account", "Specify either a VHD (storage_account and resource_group_name) or Managed Image (managed_image_resource_group_name and managed_image_name) output");
  }
  if (!xor(s("location") !== "", s("build_resource_group_name") !== "")) {
    r.problem("location", "Specify either a location to create the resource group in or an existing build_resource_group_name, but not both.");
  }
  if (managedName === "" && managedGroup === "") {
    if (storageAccount === "") r.problem("storage_account", "A storage_account must be specified");
    if (resourceGroup === "") r.problem("resource_group_name", "A resource_group_name must be specified");
  }
  for (const key of ["temp_resource_group_name", "build_resource_group_name", "managed_image_resource_group_name"]) {
    if (s(key) !== "" && !isValidAzureName(AZURE_RESOURCE_GROUP_NAME, s(key))) r.problem(key, `The setting ${key} must match the regular expression "^[^_\\\\W][\\\\w-._\\\\(\\\\)]{0,89}$", and not end with a '-' or '.'.`);
  }
  if (managedName !== "" && !isValidAzureName(AZURE_MANAGED_DISK_NAME, managedName)) {
    r.problem("managed_image_name", `The setting managed_image_name must match the regular expression "^[^_\\\\W][\\\\w-._)]{0,79}$", and not end with a '-' or '.'.`);
  }
  const osSnapshot = s("managed_image_os_disk_snapshot_name");
  if (osSnapshot !== "" && !isValidAzureName(/^[A-Za-z0-9_]{1,79}$/, osSnapshot)) {
    r.problem("managed_image_os_disk_snapshot_name", "The setting managed_image_os_disk_snapshot_name must only contain characters from a-z, A-Z, 0-9 and _ and the maximum length is 80 characters");
  }
  const dataSnapshot = s("managed_image_data_disk_snapshot_prefix");
  if (dataSnapshot !== "" && !isValidAzureName(/^[A-Za-z0-9_]{1,59}$/, dataSnapshot)) {
    r.problem("managed_image_data_disk_snapshot_prefix", "The setting managed_image_data_disk_snapshot_prefix must only contain characters from a-z, A-Z, 0-9 and _ and the maximum length (excluding the prefix) is 60 characters");
  }
  const prefix = s("custom_resource_build_prefix");
  if (prefix !== "" && !isValidAzureName(/^[0-9A-Za-z][0-9A-Za-z_\-.)]{0,10}$/, prefix)) {
    r.problem("custom_resource_build_prefix", "The setting custom_resource_build_prefix must only contain characters from a-z, A-Z, 0-9 and _ and the maximum length is 10 characters");
  }
  const osType = s("os_type");
  if (osType === "") r.problem("os_type", "An os_type must be specified");
  else if (!["linux", "windows"].includes(osType.toLowerCase())) r.problem("os_type", `The os_type "${osType}" is invalid`);
};

/**
 * Packer's azure-arm name checks: its Go patterns (`\\w` is ASCII there), and no trailing "-" or
 * "." (Azure's own pattern needs a look-behind Go lacks). The messages quote the Go pattern.
 */
const AZURE_RESOURCE_GROUP_NAME = /^[0-9A-Za-z][0-9A-Za-z_\-.()]{0,89}$/;
const AZURE_MANAGED_DISK_NAME = /^[0-9A-Za-z][0-9A-Za-z_\-.)]{0,79}$/;
function isValidAzureName(re: RegExp, name: string): boolean {
  return re.test(name) && !name.endsWith(".") && !name.endsWith("-");
}

/** A Go bool or int as mapstructure's weak decoding reads it inside a list of structs. */
const goBool = (v: unknown): boolean => v === true || (typeof v === "number" && v !== 0) || (typeof v === "string" && ["1", "t", "true"].includes(v.trim().toLowerCase()));
const goInt = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" && /^[-+]?\d+$/.test(v.trim()) ? Number(v.trim()) : 0);
const goString = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : typeof v === "boolean" ? (v ? "1" : "0") : "");
const listOfMaps = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map((x) => (x && typeof x === "object" ? x : {}) as Record<string, unknown>) : []);

/** Packer 1.6.6's proxmox common Config.Prepare, which proxmox, proxmox-iso and proxmox-clone all run. */
const proxmoxCommon: PrepareRule = (r) => {
  // A zero interval (unset or "0s") is taken from PACKER_KEY_INTERVAL, which must then parse.
  if (r.duration("boot_key_interval", 0, "decoding") === 0 && process.env.PACKER_KEY_INTERVAL) {
    try {
      parseGoDuration(process.env.PACKER_KEY_INTERVAL);
    } catch (e) {
      if (!(e instanceof DurationSyntaxError)) throw e;
      r.problem(undefined, e.message);
    }
  }
  for (const key of ["disks", "network_adapters", "additional_iso_files", "vga"]) r.checkPackerType(key);
  const scsiController = r.string("scsi_controller", "");
  listOfMaps(r.value("disks")).forEach((d) => {
    if (goBool(d.io_thread)) {
      // io threads need a virtio-scsi-single controller, and then a scsi (the default) or virtio disk
      if (scsiController !== "virtio-scsi-single") r.problem("disks", "io thread option requires virtio-scsi-single controller");
      else if (!["scsi", "virtio"].includes(goString(d.type) || "scsi")) r.problem("disks", "io thread option requires scsi or a virtio disk");
    }
    const poolType = goString(d.storage_pool_type);
    // The pool types whose format the Proxmox API library knows; any other needs one given.
    if (!["zfspool", "lvm", "rbd", "cephfs"].includes(poolType) && goString(d.format) === "") {
      r.problem("disks", `disk format must be specified for pool type ${JSON.stringify(poolType)}`);
    }
  });
  readHttpServerConfig(r);
  required(r, "username", "username must be specified", "PROXMOX_USERNAME");
  required(r, "password", "password must be specified", "PROXMOX_PASSWORD");
  const url = required(r, "proxmox_url", "proxmox_url must be specified", "PROXMOX_URL");
  const urlError = goUrlParseError(url);
  if (urlError) r.problem("proxmox_url", `Could not parse proxmox_url: ${urlError}`);
  required(r, "node", "node must be specified");
  if (r.string("template_name", "").includes(" ")) r.problem("template_name", "template_name must not contain spaces");
  listOfMaps(r.value("network_adapters")).forEach((a, i) => {
    if (goString(a.bridge) === "") r.problem("network_adapters", `network_adapters[${i}].bridge must be specified`);
    if (goInt(a.packet_queues) > 0 && (goString(a.model) || "e1000") !== "virtio") r.problem("network_adapters", `network_adapters[${i}].packet_queues can only be set for 'virtio' driver`);
  });
  listOfMaps(r.value("disks")).forEach((d, i) => {
    if (goString(d.storage_pool) === "") r.problem("disks", `disks[${i}].storage_pool must be specified`);
    if (goString(d.storage_pool_type) === "") r.problem("disks", `disks[${i}].storage_pool_type must be specified`);
  });
};

/**
 * Packer 1.6.6's proxmox-iso Config.Prepare (the `proxmox` type is the same builder): the common
 * checks, then the boot ISO (iso_file, or iso_url(s) run through ISOConfig) and additional_iso_files.
 */
const proxmoxIso: PrepareRule = (r, ctx) => {
  proxmoxCommon(r, ctx);
  const from = r.problems.length;
  const isoFile = r.string("iso_file", "");
  // ISOConfig merges iso_url into iso_urls only when it runs, that is without an iso_file.
  const isoUrls = isoFile === "" ? readIsoConfig(r, ctx.cwd, { warn: ctx.warn }).isoUrls : r.stringList("iso_urls");
  if ((isoFile === "") === (isoUrls.length === 0)) r.problem("iso_file", "either iso_file or iso_url, but not both, must be specified");
  const poolMissing = isoUrls.length > 0 && r.string("iso_storage_pool", "") === "";
  if (poolMissing) r.problem("iso_storage_pool", "when specifying iso_url, iso_storage_pool must also be specified");
  const raws = r.raw.config.additional_iso_files;
  listOfMaps(r.value("additional_iso_files")).forEach((iso, i) => {
    const file = goString(iso.iso_file);
    let urls = typeof iso.iso_urls === "string" ? iso.iso_urls.split(",").filter(Boolean) : Array.isArray(iso.iso_urls) ? iso.iso_urls : [];
    if (file === "") {
      // Its own ISOConfig, whose problems Packer prints unprefixed.
      const own = new ConfigReader({ type: r.raw.type, config: (Array.isArray(raws) ? raws[i] : {}) as Record<string, unknown> }, { kind: "builder", interpolation: r.interpolation });
      urls = readIsoConfig(own, ctx.cwd, { warn: ctx.warn }).isoUrls;
      // (Its decoding problems were found already, rendering additional_iso_files above.)
      for (const p of own.problems) if (!p.phase) r.problem("additional_iso_files", p.message);
    }
    const device = goString(iso.device) || "ide3";
    for (const [prefix, bus, max] of [["ide", "IDE", 3], ["sata", "SATA", 5], ["scsi", "SCSI", 30]] as const) {
      if (!device.startsWith(prefix)) continue;
      const index = device.slice(prefix.length);
      const valid = /^[-+]?\d+$/.test(index);
      if (!valid) r.problem("additional_iso_files", `${index} is not a valid bus index`);
      const number = valid ? Number(index) : 0;
      if (prefix === "ide" && number === 2) r.problem("additional_iso_files", "IDE bus 2 is used by boot ISO");
      if (number > max) r.problem("additional_iso_files", `${bus} bus index can't be higher than ${max}`);
    }
    if ((file === "") === (urls.length === 0)) r.problem("additional_iso_files", `either iso_file or iso_url, but not both, must be specified for AdditionalISO file ${device}`);
    // Packer checks the boot ISO's pool again here, once per additional ISO.
    if (poolMissing) r.problem("iso_storage_pool", "when specifying iso_url, iso_storage_pool must also be specified");
  });
  // Checked after the common Prepare returned, so shown even when its decoding failed.
  for (const p of r.problems.slice(from)) p.phase ??= "outer";
};

const lxc: PrepareRule = (r, ctx) => {
  // Packer stats config_file even when it is empty (and so always fails without one).
  const path = r.string("config_file", "");
  if (path === "" || goStatError(resolve(ctx.cwd, path), path)) {
    r.problem(r.has("config_file") ? "config_file" : undefined, `LXC Config file appears to be missing: ${path}`);
  }
};

const lxd: PrepareRule = (r) => {
  required(r, "image", "`image` is a required parameter for LXD. Please specify an image by alias or fingerprint. e.g. `ubuntu-daily:x`");
};

const vsphereConnect: PrepareRule = (r) => {
  required(r, "vcenter_server", "'vcenter_server' is required");
  required(r, "username", "'username' is required");
  required(r, "password", "'password' is required");
};

/** StorageConfig.Prepare: each `storage` block needs a size and a controller that exists. */
function vsphereStorage(r: ConfigReader, controllers: number): void {
  r.checkPackerType("storage"); // its blocks' keys and types, as finish() checks unread keys
  const storage = r.value("storage");
  (Array.isArray(storage) ? storage : []).forEach((d: Record<string, unknown>, i) => {
    if (!Number(d?.disk_size ?? 0)) r.problem("storage", `storage[${i}].'disk_size' is required`);
    if (Number(d?.disk_controller_index ?? 0) >= controllers) r.problem("storage", `storage[${i}].'disk_controller_index' references an unknown disk controller`);
  });
}

/** LocationConfig and HardwareConfig, shared by vsphere-iso and vsphere-clone. */
const vsphereLocationAndHardware: PrepareRule = (r) => {
  required(r, "vm_name", "'vm_name' is required");
  if (r.string("cluster", "") === "" && r.string("host", "") === "") r.problem("host", "'host' or 'cluster' is required");
  if (r.int("RAM_reservation", 0) > 0 && r.bool("RAM_reserve_all")) r.problem("RAM_reservation", "'RAM_reservation' and 'RAM_reserve_all' cannot be used together");
  const firmware = r.string("firmware", "");
  if (!["", "bios", "efi", "efi-secure"].includes(firmware)) r.problem("firmware", "'firmware' must be '', 'bios', 'efi' or 'efi-secure'");
};

/** Packer 1.6.6's vsphere-iso Prepare: connection, CreateConfig (storage), location, hardware. */
const vsphereIso: PrepareRule = (r, ctx) => {
  vsphereConnect(r, ctx);
  const storage = r.value("storage");
  if (!Array.isArray(storage) || storage.length === 0) r.problem("storage", "no storage devices have been defined");
  // CreateConfig gives an empty disk_controller_type one (default) controller.
  vsphereStorage(r, Math.max(1, r.stringList("disk_controller_type").length));
  vsphereLocationAndHardware(r, ctx);
};

/** Packer 1.6.6's vsphere-clone Prepare: connection, CloneConfig, location, hardware. */
const vsphereClone: PrepareRule = (r, ctx) => {
  vsphereConnect(r, ctx);
  vsphereStorage(r, r.stringList("disk_controller_type").length);
  required(r, "template", "'template' is required");
  if (r.bool("linked_clone") && r.int("disk_size", 0) !== 0) r.problem("linked_clone", "'linked_clone' and 'disk_size' cannot be used together");
  if (r.string("mac_address", "") !== "" && r.string("network", "") === "") r.problem("mac_address", "'network' is required when 'mac_address' is specified");
  vsphereLocationAndHardware(r, ctx);
};

/**
 * Builders that boot an ISO (hyperv-iso, parallels-iso) check it with Packer's ISOConfig
 * (iso_url(s), iso_checksum) and warn as it does, and about a missing shutdown_command.
 */
const isoBuilder: PrepareRule = (r, ctx) => {
  readIsoConfig(r, ctx.cwd, { warn: ctx.warn });
  if (r.string("shutdown_command", "") === "") ctx.warn?.(NO_SHUTDOWN_COMMAND_WARNING);
};

/** Packer 1.6.6's alicloud-ecs Prepare: access config, image config, then the run config (communicator first). */
const alicloudEcs: PrepareRule = (r, ctx) => {
  const env = (name: string): string => process.env[name] ?? "";
  const accessKey = r.string("access_key", "") || env("ALICLOUD_ACCESS_KEY");
  const secretKey = r.string("secret_key", "") || env("ALICLOUD_SECRET_KEY");
  const profile = r.string("profile", "") || env("ALICLOUD_PROFILE");
  if ((accessKey === "" || secretKey === "") && profile === "") {
    r.problem("access_key", "ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY must be set in template file or environment variables.");
  }
  required(r, "region", "region option or ALICLOUD_REGION must be provided in template file or environment variables.", "ALICLOUD_REGION");
  const imageName = r.string("image_name", "");
  if (imageName === "") r.problem("image_name", "image_name must be specified");
  else if (imageName.length < 2 || imageName.length > 128) r.problem("image_name", "image_name must less than 128 letters and more than 1 letters");
  else if (imageName.startsWith("http://") || imageName.startsWith("https://")) r.problem("image_name", "image_name can't start with 'http://' or 'https://'");
  if (/\s+/.test(imageName)) r.problem("image_name", "image_name can't include spaces");
  readCommunicatorConfig(r, { cwd: ctx.cwd });
  const sourceImage = r.string("source_image", "");
  if (sourceImage === "") r.problem("source_image", "A source_image must be specified");
  if (sourceImage.trim() !== sourceImage) r.problem("source_image", "The source_image can't include spaces");
  required(r, "instance_type", "An alicloud_instance_type must be specified");
};

/** Hyper-V's common config: every secondary_iso_images entry must exist (Go's stat; "" does not). */
const hypervSecondaryIsos: PrepareRule = (r, ctx) => {
  for (const path of r.stringList("secondary_iso_images")) {
    const why = goStatErrorIn(ctx.cwd, path);
    if (why) r.problem("secondary_iso_images", `Secondary Dvd image does not exist: ${why}`);
  }
};

/** Packer's `templates := map[string]*string{…}` loops: every listed key must be non-empty. */
function allSet(keys: readonly string[], env: Record<string, string> = {}): PrepareRule {
  return (r) => {
    for (const key of keys) required(r, key, `${key} must be set`, env[key]);
  };
}

/** powershell and windows-shell: exactly one of inline, script, scripts; scripts must exist. */
const windowsScripts: PrepareRule = (r, ctx) => {
  const script = r.string("script", "");
  const scripts = r.stringList("scripts");
  const inlineGiven = r.value("inline") !== undefined && r.value("inline") !== null;
  r.stringList("inline");
  if (script !== "" && scripts.length > 0) r.problem("scripts", "Only one of script or scripts can be specified.");
  const all = script !== "" ? [script] : scripts;
  if (all.length === 0 && !inlineGiven) r.problem(undefined, "Either a script file or inline script must be specified.");
  else if (all.length > 0 && inlineGiven) r.problem("inline", "Only a script file or an inline script can be specified, not both.");
  for (const path of all) {
    const why = goStatError(resolve(ctx.cwd, path), path);
    if (why) r.problem(script !== "" ? "script" : "scripts", `Bad script '${path}': ${why}`);
  }
  for (const kv of r.stringList("environment_vars")) {
    if (!kv.includes("=") || kv.startsWith("=")) r.problem("environment_vars", `Environment variable not in format 'key=value': ${kv}`);
  }
};

/** salt-masterless: its folders and files, as validateDirConfig/validateFileConfig check them. */
const saltMasterless: PrepareRule = (r, ctx) => {
  // validateDirConfig / validateFileConfig: exists, and is a folder (or not).
  const check = (key: string, want: "directory" | "file", isRequired = false): void => {
    const path = r.string(key, "");
    if (path === "") {
      if (isRequired) r.problem(key, `${key} cannot be empty`);
      return;
    }
    const absolute = resolve(ctx.cwd, path);
    const why = goStatError(absolute, path);
    if (why) r.problem(key, `${key}: path '${path}' is invalid: ${why}`);
    else if (statSync(absolute).isDirectory() !== (want === "directory")) r.problem(key, `${key}: path '${path}' must point to a ${want}`);
  };
  check("local_state_tree", "directory", true);
  const formulas = r.stringList("formulas");
  if (formulas.some((f) => !f.includes("//"))) r.problem("formulas", "Invalid formula URL. Please verify the git URLs also contain a '//' subdir");
  check("local_pillar_roots", "directory");
  check("minion_config", "file");
  if (r.string("minion_config", "") !== "" && (r.string("remote_state_tree", "") !== "" || r.string("remote_pillar_roots", "") !== "")) {
    r.problem("minion_config", "remote_state_tree and remote_pillar_roots only apply when minion_config is not used");
  }
  check("grains_file", "file");
};

/**
 * chef-solo: the local folders and files it uploads must exist, as its Prepare stats them. Go
 * formats the nil error of a path that exists but is the wrong kind as "%!s(<nil>)".
 */
const chefSolo: PrepareRule = (r, ctx) => {
  const kindError = (path: string, wantDirectory: boolean): string | undefined => {
    const why = goStatErrorIn(ctx.cwd, path);
    if (why) return why;
    return statSync(resolve(ctx.cwd, path)).isDirectory() === wantDirectory ? undefined : "%!s(<nil>)";
  };
  const configTemplate = r.string("config_template", "");
  if (configTemplate !== "") {
    const why = goStatErrorIn(ctx.cwd, configTemplate);
    if (why) r.problem("config_template", `Bad config template path: ${why}`);
    else if (statSync(resolve(ctx.cwd, configTemplate)).isDirectory()) r.problem("config_template", "Config template path must be a file: %!s(<nil>)");
  }
  for (const path of r.stringList("cookbook_paths")) {
    const why = kindError(path, true);
    if (why) r.problem("cookbook_paths", `Bad cookbook path '${path}': ${why}`);
  }
  const checks: [key: string, what: string, wantDirectory: boolean][] = [
    ["roles_path", "roles path", true],
    ["data_bags_path", "data bags path", true],
    ["encrypted_data_bag_secret_path", "encrypted data bag secret", false],
    ["environments_path", "environments path", true],
  ];
  for (const [key, what, wantDirectory] of checks) {
    const path = r.string(key, "");
    const why = path === "" ? undefined : kindError(path, wantDirectory);
    if (why) r.problem(key, `Bad ${what} '${path}': ${why}`);
  }
};

const amazonChroot: PrepareRule = (r) => {
  const amiName = r.string("ami_name", "");
  if (amiName === "") r.problem("ami_name", "ami_name must be specified");
  if (amiName.length < 3 || amiName.length > 128) r.problem("ami_name", "ami_name must be between 3 and 128 characters long");
  const fromScratch = r.bool("from_scratch");
  const filter = r.value("source_ami_filter");
  if (fromScratch) {
    if (r.int("root_volume_size", 0) === 0) r.problem("root_volume_size", "root_volume_size is required with from_scratch.");
    if (r.stringList("pre_mount_commands").length === 0) r.problem("pre_mount_commands", "pre_mount_commands is required with from_scratch.");
    if (r.string("ami_virtualization_type", "") === "") r.problem("ami_virtualization_type", "ami_virtualization_type is required with from_scratch.");
    if (r.string("root_device_name", "") === "") r.problem("root_device_name", "root_device_name is required with from_scratch.");
    const mappings = r.value("ami_block_device_mappings");
    if (!Array.isArray(mappings) || mappings.length === 0) r.problem("ami_block_device_mappings", "ami_block_device_mappings is required with from_scratch.");
  } else if (r.string("source_ami", "") === "" && (!filter || typeof filter !== "object" || Object.keys(filter).length === 0)) {
    r.problem("source_ami", "source_ami or source_ami_filter is required.");
  }
};

/** Packer 1.6.6's vagrant builder Prepare (it never runs the communicator's own checks). */
const vagrantBuilder: PrepareRule = (r, ctx) => {
  // No default: Packer sets "ssh" only in the communicator checks this builder skips.
  if (r.string("communicator", "") !== "ssh") r.problem("communicator", `The Vagrant builder currently only supports the ssh communicator"`);
  const source = r.string("source_path", "");
  const globalId = r.string("global_id", "");
  if (source === "") {
    if (globalId === "") r.problem("source_path", "source_path is required unless you have set global_id");
  } else {
    if (globalId !== "") r.problem("global_id", "You may either set global_id or source_path but not both");
    // A local .box (no scheme, or file:) must exist; a box name or a remote URL is fetched later.
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(source)?.[0].slice(0, -1).toLowerCase() ?? "";
    if (source.endsWith(".box") && !goUrlParseError(source) && (scheme === "" || scheme === "file")) {
      const why = goStatError(resolve(ctx.cwd, source), source);
      if (why) r.problem("source_path", `Source box '${source}' needs to exist at time of config validation! ${why}`);
    }
  }
  const teardown = r.string("teardown_method", "");
  if (teardown !== "" && !["halt", "suspend", "destroy"].includes(teardown.toLowerCase())) {
    r.problem("teardown_method", `TeardownMethod must be "halt", "suspend", or "destroy"`);
  }
  const syncedFolder = r.string("synced_folder", "");
  if (syncedFolder !== "" && goStatError(resolve(ctx.cwd, syncedFolder), syncedFolder)) {
    r.problem("synced_folder", `synced_folder "${resolve(ctx.cwd, syncedFolder)}" does not exist on the Packer host.`);
  }
};

/** Parallels' OutputConfig: Packer makes output_directory absolute before saying it exists. */
const parallelsOutput: PrepareRule = (r, ctx) => {
  const dir = resolve(ctx.cwd, r.string("output_directory", "") || `output-${ctx.interpolation.buildName ?? ""}`);
  if (!r.bool("packer_force") && !goStatError(dir, dir)) r.problem("output_directory", `Output directory '${dir}' already exists. It must not exist.`);
};

/** Parallels' ToolsConfig: a known parallels_tools_mode (upload by default), and a flavor unless disabled. */
const parallelsTools: PrepareRule = (r) => {
  const mode = r.string("parallels_tools_mode", "") || "upload";
  if (!["disable", "attach", "upload"].includes(mode)) r.problem("parallels_tools_mode", "parallels_tools_mode is invalid. Must be one of: [disable attach upload]");
  if (r.string("parallels_tools_flavor", "") === "" && mode !== "disable") r.problem("parallels_tools_flavor", "parallels_tools_flavor must be specified");
};

/** Packer 1.6.6's parallels-iso Prepare: ISO, HTTP, output, hardware, tools, then the disk settings. */
const parallelsIso: PrepareRule = (r, ctx) => {
  isoBuilder(r, ctx);
  readHttpServerConfig(r);
  parallelsOutput(r, ctx);
  const cpus = r.int("cpus", 0);
  if (cpus < 0) r.problem("cpus", `An invalid number of cpus was specified (cpus < 0): ${cpus}`);
  const memory = r.int("memory", 0);
  if (memory < 0) r.problem("memory", `An invalid memory size was specified (memory < 0): ${memory}`);
  parallelsTools(r, ctx);
  const diskType = r.string("disk_type", "") || "expand";
  if (diskType !== "expand" && diskType !== "plain") r.problem("disk_type", "disk_type can only be expand, or plain");
  if (diskType === "plain" && !r.bool("skip_compaction")) ctx.warn?.("'skip_compaction' is enforced to be true for plain disks.");
  const hardDrive = r.string("hard_drive_interface", "") || "sata";
  if (!["ide", "sata", "scsi"].includes(hardDrive)) r.problem("hard_drive_interface", "hard_drive_interface can only be ide, sata, or scsi");
};

/** Packer 1.6.6's parallels-pvm Prepare: output, tools, and a source_path that exists. */
const parallelsPvm: PrepareRule = (r, ctx) => {
  parallelsOutput(r, ctx);
  parallelsTools(r, ctx);
  const source = r.string("source_path", "");
  if (source === "") r.problem("source_path", "source_path is required");
  else {
    const why = goStatError(resolve(ctx.cwd, source), source);
    if (why) r.problem("source_path", `source_path is invalid: ${why}`);
  }
  if (r.string("shutdown_command", "") === "") ctx.warn?.(NO_SHUTDOWN_COMMAND_WARNING);
};

const RULES: Record<ComponentKind, Record<string, PrepareRule>> = {
  builder: {
    "vsphere-iso": vsphereIso,
    "vsphere-clone": vsphereClone,
    "hyperv-iso": (r, ctx) => {
      isoBuilder(r, ctx);
      hypervSecondaryIsos(r, ctx);
    },
    "hyperv-vmcx": hypervSecondaryIsos,
    "alicloud-ecs": alicloudEcs,
    "parallels-iso": parallelsIso,
    "parallels-pvm": parallelsPvm,
    "amazon-chroot": amazonChroot,
    "amazon-instance": amazonInstance,
    vagrant: vagrantBuilder,
    "azure-arm": azureArm,
    "azure-chroot": azureChroot,
    "azure-dtl": azureDtl,
    digitalocean,
    hcloud,
    lxc,
    lxd,
    openstack,
    cloudstack,
    jdcloud,
    ncloud,
    oneandone: (r) => void required(r, "source_image_name", "1&1 'image' is required"),
    profitbricks,
    scaleway,
    "tencentcloud-cvm": tencentcloudCvm,
    triton,
    "oracle-classic": oracleClassic,
    "oracle-oci": oracleOci,
    proxmox: proxmoxIso,
    "proxmox-iso": proxmoxIso,
    "proxmox-clone": proxmoxCommon,
  },
  provisioner: {
    powershell: windowsScripts,
    "windows-shell": windowsScripts,
    "salt-masterless": saltMasterless,
    "chef-solo": chefSolo,
    "chef-client": (r) => void required(r, "server_url", "server_url must be set"),
    inspec: (r) => void required(r, "profile", "profile must be specified."),
  },
  "post-processor": {
    "amazon-import": amazonImport,
    "alicloud-import": allSet(["oss_bucket_name"]),
    "digitalocean-import": (r, ctx) => {
      allSet(["api_token", "spaces_key", "spaces_secret", "spaces_region", "space_name", "image_name"], {
        api_token: "DIGITALOCEAN_API_TOKEN", spaces_key: "DIGITALOCEAN_SPACES_ACCESS_KEY", spaces_secret: "DIGITALOCEAN_SPACES_SECRET_KEY",
      })(r, ctx);
      if (r.stringList("image_regions").length === 0) r.problem("image_regions", "image_regions must be set");
    },
    "exoscale-import": (r, ctx) => {
      // api_endpoint, sos_endpoint and template_zone have defaults in Packer.
      allSet(["api_key", "api_secret", "image_bucket", "template_name", "template_description"], { api_key: "EXOSCALE_API_KEY", api_secret: "EXOSCALE_API_SECRET" })(r, ctx);
    },
    "googlecompute-export": (r) => {
      if (r.stringList("paths").length === 0) r.problem("paths", "paths must be specified");
    },
    "googlecompute-import": allSet(["bucket", "image_name", "project_id"]),
    "vagrant-cloud": (r, ctx) => {
      allSet(["box_tag", "version"])(r, ctx);
      const url = r.string("vagrant_cloud_url", "");
      const token = r.string("access_token", "") || process.env.VAGRANT_CLOUD_TOKEN || process.env.ATLAS_TOKEN || "";
      if (token === "" && (url === "" || url === "https://vagrantcloud.com/api/v1")) {
        r.problem("access_token", "access_token must be set if vagrant_cloud_url has not been overriden");
      }
    },
    vsphere: allSet(["cluster", "datacenter", "host", "password", "username", "vm_name"]),
    "vsphere-template": allSet(["host", "username", "password"]),
  },
};

/**
 * Builders whose Prepare runs Packer's communicator checks (Comm.Prepare: an ssh_username for ssh,
 * a winrm_username for winrm, a known communicator type…) without setting defaults of their own
 * first (azure-arm, azure-dtl, hyperone and oracle-classic do, so they are not listed).
 */
const COMMUNICATOR_CHECKED = new Set([
  "cloudstack", "digitalocean",
  "hcloud", "hyperv-iso", "hyperv-vmcx", "jdcloud", "linode", "ncloud", "oneandone", "openstack", "oracle-oci",
  "osc-bsu", "osc-bsusurrogate", "osc-bsuvolume", "parallels-iso", "parallels-pvm", "profitbricks", "proxmox",
  "proxmox-iso", "proxmox-clone", "scaleway", "tencentcloud-cvm", "triton", "ucloud-uhost", "virtualbox-ovf",
  "virtualbox-vm", "vmware-vmx", "vsphere-clone", "vsphere-iso",
]);

/**
 * Template functions a type's Prepare adds for its own settings: azure-chroot's `vm` reads the
 * host's Azure instance metadata (Packer fails there off Azure; Kiln does not ask).
 */
const TEMPLATE_FUNCS: Partial<Record<ComponentKind, Record<string, Record<string, (...args: unknown[]) => unknown>>>> = {
  builder: {
    "azure-chroot": {
      vm: () => {
        throw new Error(AZURE_METADATA_UNREAD);
      },
    },
  },
};

export function templateFuncsFor(kind: ComponentKind, type: string): Record<string, (...args: unknown[]) => unknown> | undefined {
  return TEMPLATE_FUNCS[kind]?.[type];
}

/**
 * Builders whose Prepare reports a failed decode differently from returning the decoder's errors
 * alone: triton appends them to its list and checks on; jdcloud replaces them with one sentence.
 */
const DECODE_FAILURES: Partial<Record<string, (all: readonly ConfigProblem[]) => ConfigProblem[]>> = {
  triton: (all) => [...all.filter((p) => p.phase), ...all.filter((p) => !p.phase)],
  jdcloud: (all) => [{ message: "[ERROR] Failed in decoding JSON->mapstructure", position: all.find((p) => p.phase)?.position }],
};

export function decodeFailureFor(kind: ComponentKind, type: string): ((all: readonly ConfigProblem[]) => ConfigProblem[]) | undefined {
  return kind === "builder" ? DECODE_FAILURES[type] : undefined;
}

export function prepareRuleFor(kind: ComponentKind, type: string): PrepareRule | undefined {
  const own = RULES[kind][type];
  if (kind !== "builder") return own;
  const keys = packerKeysOf(kind, type)?.keys ?? {};
  // Every builder with floppy_files runs Packer's FloppyConfig.Prepare (files and folders must exist).
  const floppy = "floppy_files" in keys;
  const communicator = COMMUNICATOR_CHECKED.has(type);
  if (!floppy && !communicator) return own;
  return (r, ctx) => {
    if (communicator) readCommunicatorConfig(r, { cwd: ctx.cwd });
    if (floppy) readFloppyCdConfig(r, ctx.cwd, { cd: "cd_files" in keys });
    own?.(r, ctx);
  };
}
