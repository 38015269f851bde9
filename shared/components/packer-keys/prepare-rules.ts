/**
 * The checks Packer 1.6.6's Prepare makes after decoding, for types Kiln validates but has no
 * schema of its own for: required settings and the combinations Packer refuses, with Packer's
 * messages (transcribed from each plugin's Prepare; environment fallbacks included, since Packer
 * reads them there). Types not listed here get the decoder's checks only.
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { ConfigReader } from "../config-reader.js";
import { readCommunicatorConfig } from "../communicator/ssh.js";
import { goStatError, goStatErrorIn } from "../go-stat-error.js";
import { readIsoConfig } from "../vm-config/iso.js";
import { NO_SHUTDOWN_COMMAND_WARNING } from "../vm-config/shutdown.js";
import { readFloppyCdConfig } from "../vm-config/floppy-cd.js";
import { packerKeysOf } from "./check-keys.js";
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

const amazonInstance: PrepareRule = (r, ctx) => {
  required(r, "account_id", "account_id is required");
  required(r, "s3_bucket", "s3_bucket is required");
  if (required(r, "x509_cert_path", "x509_cert_path is required")) fileMustExist(r, ctx, "x509_cert_path", (_p, e) => `x509_cert_path points to bad file: ${e}`);
  if (required(r, "x509_key_path", "x509_key_path is required")) fileMustExist(r, ctx, "x509_key_path", (_p, e) => `x509_key_path points to bad file: ${e}`);
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

/** gophercloud's clientconfig, reached from the openstack builder's access config. */
const openstack: PrepareRule = (r) => {
  const endpointType = r.string("endpoint_type", "");
  if (!["", "internal", "internalURL", "admin", "adminURL", "public", "publicURL"].includes(endpointType)) {
    r.problem("endpoint_type", "Invalid endpoint type provided");
    return;
  }
  const cloud = r.string("cloud", "") || process.env.OS_CLOUD || "";
  if (cloud !== "") return; // clouds.yaml supplies the rest: read when the build starts
  const authUrl = r.string("identity_endpoint", "") || process.env.OS_AUTH_URL || "";
  if (authUrl === "") r.problem("identity_endpoint", "Missing input for argument [auth_url]");
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

const proxmox: PrepareRule = (r) => {
  required(r, "username", "username must be specified", "PROXMOX_USERNAME");
  required(r, "password", "password must be specified", "PROXMOX_PASSWORD");
  // Go's url.Parse accepts nearly anything ("https://:8006/api2/json" included): only emptiness is checked.
  required(r, "proxmox_url", "proxmox_url must be specified", "PROXMOX_URL");
  required(r, "node", "node must be specified");
  if (/\s/.test(r.string("template_name", ""))) r.problem("template_name", "template_name must not contain spaces");
  const adapters = r.value("network_adapters");
  (Array.isArray(adapters) ? adapters : []).forEach((a: Record<string, unknown>, i) => {
    if (!a?.bridge) r.problem("network_adapters", `network_adapters[${i}].bridge must be specified`);
    if (a?.packet_queues && (a.model ?? "e1000") !== "virtio") r.problem("network_adapters", `network_adapters[${i}].packet_queues can only be set for 'virtio' driver`);
  });
  const disks = r.value("disks");
  (Array.isArray(disks) ? disks : []).forEach((d: Record<string, unknown>, i) => {
    if (!d?.storage_pool) r.problem("disks", `disks[${i}].storage_pool must be specified`);
    if (!d?.storage_pool_type) r.problem("disks", `disks[${i}].storage_pool_type must be specified`);
  });
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

const vagrantBuilder: PrepareRule = (r) => {
  const communicator = r.string("communicator", "") || "ssh";
  if (communicator !== "ssh") r.problem("communicator", `The Vagrant builder currently only supports the ssh communicator"`);
  if (r.string("source_path", "") === "" && r.string("global_id", "") === "") r.problem("source_path", "source_path is required unless you have set global_id");
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
    "parallels-iso": isoBuilder,
    "amazon-chroot": amazonChroot,
    "amazon-instance": amazonInstance,
    vagrant: vagrantBuilder,
    "azure-arm": azureArm,
    digitalocean,
    hcloud,
    lxc,
    lxd,
    openstack,
    proxmox,
    "proxmox-iso": proxmox,
    "proxmox-clone": proxmox,
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
  "amazon-instance", "cloudstack", "digitalocean",
  "hcloud", "hyperv-iso", "hyperv-vmcx", "jdcloud", "linode", "ncloud", "oneandone", "openstack", "oracle-oci",
  "osc-bsu", "osc-bsusurrogate", "osc-bsuvolume", "parallels-iso", "parallels-pvm", "profitbricks", "proxmox",
  "proxmox-iso", "proxmox-clone", "scaleway", "tencentcloud-cvm", "triton", "ucloud-uhost", "virtualbox-ovf",
  "virtualbox-vm", "vmware-vmx", "vsphere-clone", "vsphere-iso",
]);

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
