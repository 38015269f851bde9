/**
 * Azure: azure-arm's capture, image source, resource group and name checks (builder/azure/arm's
 * Config in Packer v1.6.6), azure-chroot's source, disks and destination (builder/azure/chroot),
 * and azure-dtl's client config, communicator and lab settings (builder/azure/dtl), with the
 * cloud environment and credential checks of builder/azure/common/client that they share.
 */
import { readCommunicatorConfig } from "../../communicator/ssh.js";
import { goStatErrorIn } from "../../go-stat-error.js";
import { onlyProblem } from "./prepare-rule.js";
import type { ConfigReader } from "../../config-reader.js";
import type { PrepareContext } from "../../types.js";
import type { PrepareRule } from "./prepare-rule.js";

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

export const AZURE_METADATA_UNREAD = "the Azure instance metadata service answers only on an Azure VM, and kiln validate does not query it";

/**
 * Packer 1.6.6's azure-chroot Prepare. Its default temporary disk and snapshot ids come from the
 * `vm` template function, which asks the Azure instance metadata service about the host: Packer
 * fails there on any machine that is not an Azure VM, and Kiln does not ask while validating.
 */
export const azureChroot: PrepareRule = (r) => {
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
export const azureDtl: PrepareRule = (r, ctx) => {
  const s = (k: string): string => r.string(k, "");
  if (azureCloudEnvironmentProblem(r)) return;
  const before = r.problems.length;
  readCommunicatorConfig(r, { cwd: ctx.cwd });
  const noUsername = r.problems.findIndex((p, i) => i >= before && p.field === "ssh_username" && p.message.startsWith("An ssh_username must be specified"));
  if (noUsername >= 0) r.problems.splice(noUsername, 1);
  azureClientConfig(r, ctx);
  azureClientConfig(r, ctx); // Packer validates the client config twice, and so reports its problems twice
  const capture = readCapture(r);
  const { managedName, managedGroup } = capture;
  captureProblems(r, capture, "dtl");
  const labGroup = s("lab_resource_group_name");
  if (labGroup === "") r.problem("lab_resource_group_name", "The settings lab_resource_group_name needs to be defined.");
  imageSourceProblems(r, capture, "An", () => {
    r.checkPackerType("shared_image_gallery");
    const gallery = r.value("shared_image_gallery") as Record<string, unknown> | undefined;
    const field = (k: string): string => (gallery && typeof gallery === "object" && gallery[k] !== undefined && gallery[k] !== null ? String(gallery[k]) : "");
    return { named: field("gallery_name") !== "", lacks: (k) => field(k) === "" };
  });
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

export const azureArm: PrepareRule = (r) => {
  const s = (k: string): string => r.string(k, "");
  const capture = readCapture(r);
  const { managedName, managedGroup } = capture;
  captureProblems(r, capture, "arm");
  if (s("temp_resource_group_name") !== "" && s("build_resource_group_name") !== "") {
    r.problem("temp_resource_group_name", "The settings temp_resource_group_name and build_resource_group_name cannot both be defined.  Please define one or neither.");
  }
  imageSourceProblems(r, capture, "A", () => {
    const gallery = r.value("shared_image_gallery") as Record<string, unknown> | undefined;
    const named = gallery && typeof gallery === "object" ? String(gallery.gallery_name ?? "") !== "" : false;
    return { named, lacks: (k) => !gallery?.[k] };
  });
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

/** The output settings azure-arm and azure-dtl both check first. */
interface AzureCapture {
  container: string;
  prefix: string;
  managedName: string;
  managedGroup: string;
}

function readCapture(r: ConfigReader): AzureCapture {
  const s = (k: string): string => r.string(k, "");
  return { container: s("capture_container_name"), prefix: s("capture_name_prefix"), managedName: s("managed_image_name"), managedGroup: s("managed_image_resource_group_name") };
}

/**
 * The VHD-or-managed-image checks, of which Packer 1.6.6 has a copy in azure-arm and one in
 * azure-dtl: dtl's container pattern (and its message) lacks the closing `$`.
 */
function captureProblems(r: ConfigReader, c: AzureCapture, copy: "arm" | "dtl"): void {
  if (c.container === "" && c.managedName === "") r.problem("capture_container_name", "A capture_container_name or managed_image_name must be specified");
  if (c.prefix === "" && c.managedGroup === "") r.problem("capture_name_prefix", "A capture_name_prefix or managed_image_resource_group_name must be specified");
  if ((c.prefix !== "" || c.container !== "") && (c.managedGroup !== "" || c.managedName !== "")) {
    r.problem("capture_container_name", "Either a VHD or a managed image can be built, but not both. Please specify either capture_container_name and capture_name_prefix or managed_image_resource_group_name and managed_image_name.");
  }
  if (c.container !== "") {
    const [pattern, shown] = copy === "arm" ? [/^[a-z0-9][a-z0-9-]{2,62}$/, "^[a-z0-9][a-z0-9\\\\-]{2,62}$"] : [/^[a-z0-9][a-z0-9-]{2,62}/, "^[a-z0-9][a-z0-9\\\\-]{2,62}"];
    if (!pattern.test(c.container)) r.problem("capture_container_name", `A capture_container_name must satisfy the regular expression "${shown}".`);
    if (c.container.endsWith("-")) r.problem("capture_container_name", "A capture_container_name must not end with a hyphen, e.g. '-'.");
    if (c.container.includes("--")) r.problem("capture_container_name", "A capture_container_name must not contain consecutive hyphens, e.g. '--'.");
    if (c.prefix === "") r.problem("capture_name_prefix", "A capture_name_prefix must be specified");
    if (!/^[A-Za-z0-9][A-Za-z0-9_\-.]{0,23}$/.test(c.prefix)) r.problem("capture_name_prefix", 'A capture_name_prefix must satisfy the regular expression "^[A-Za-z0-9][A-Za-z0-9_\\\\-\\\\.]{0,23}$".');
    if (c.prefix.endsWith("-") || c.prefix.endsWith(".")) r.problem("capture_name_prefix", "A capture_name_prefix must not end with a hyphen or period.");
  }
}

/**
 * The image source checks (one of a VHD, an image reference, a managed image or a shared gallery
 * image), also in both copies: dtl's writes "An" before three of the managed image settings.
 * `gallery` reads shared_image_gallery where each copy reads it (after the custom image keys).
 */
function imageSourceProblems(r: ConfigReader, c: AzureCapture, article: "A" | "An", gallery: () => { named: boolean; lacks: (key: string) => boolean }): void {
  const s = (k: string): string => r.string(k, "");
  const imageUrl = s("image_url");
  const customName = s("custom_managed_image_name");
  const customGroup = s("custom_managed_image_resource_group_name");
  const shared = gallery();
  const [publisher, offer, sku] = [s("image_publisher"), s("image_offer"), s("image_sku")];
  const sources = [imageUrl !== "", customName !== "" || customGroup !== "", publisher !== "" || offer !== "" || sku !== "", shared.named].filter(Boolean).length;
  if (sources > 1) {
    r.problem("image_url", "Specify either a VHD (image_url), Image Reference (image_publisher, image_offer, image_sku), a Managed Disk (custom_managed_disk_image_name, custom_managed_disk_resource_group_name), or a Shared Gallery Image (shared_image_gallery)");
  }
  if (imageUrl !== "" && c.managedGroup !== "") r.problem("image_url", "A managed image must be created from a managed image, it cannot be created from a VHD.");
  if (shared.named) {
    for (const k of ["subscription", "resource_group", "image_name"]) {
      if (shared.lacks(k)) r.problem("shared_image_gallery", `A shared_image_gallery.${k} must be specified`);
    }
    if (c.container !== "") r.problem("capture_container_name", "VHD Target [capture_container_name] is not supported when using Shared Image Gallery as source. Use managed_image_resource_group_name instead.");
    if (c.prefix !== "") r.problem("capture_name_prefix", "VHD Target [capture_name_prefix] is not supported when using Shared Image Gallery as source. Use managed_image_name instead.");
  } else if (imageUrl === "" && customName === "") {
    if (publisher === "") r.problem("image_publisher", "An image_publisher must be specified");
    if (offer === "") r.problem("image_offer", "An image_offer must be specified");
    if (sku === "") r.problem("image_sku", "An image_sku must be specified");
  } else if (imageUrl === "" && publisher === "") {
    if (customGroup === "") r.problem("custom_managed_image_resource_group_name", `${article} custom_managed_image_resource_group_name must be specified`);
    if (customName === "") r.problem("custom_managed_image_name", "A custom_managed_image_name must be specified");
    if (c.managedGroup === "") r.problem("managed_image_resource_group_name", `${article} managed_image_resource_group_name must be specified`);
    if (c.managedName === "") r.problem("managed_image_name", `${article} managed_image_name must be specified`);
  } else if (publisher !== "" || offer !== "" || sku !== "" || s("image_version") !== "") {
    // image_version defaults to "latest" when image_publisher is set
    r.problem("image_url", "An image_url must not be specified if image_publisher, image_offer, image_sku, or image_version is specified");
  }
}

/**
 * Packer's azure-arm name checks: its Go patterns (`\\w` is ASCII there), and no trailing "-" or
 * "." (Azure's own pattern needs a look-behind Go lacks). The messages quote the Go pattern.
 */
const AZURE_RESOURCE_GROUP_NAME = /^[0-9A-Za-z][0-9A-Za-z_\-.()]{0,89}$/;
const AZURE_MANAGED_DISK_NAME = /^[0-9A-Za-z][0-9A-Za-z_\-.)]{0,79}$/;
function isValidAzureName(re: RegExp, name: string): boolean {
  return re.test(name) && !name.endsWith(".") && !name.endsWith("-");
}
