/**
 * OpenStack: the openstack builder's access config (gophercloud's clientconfig, clouds.yaml
 * included), image config and run config, as Prepare in Packer v1.6.6's builder/openstack checks
 * them, without the authentication it then attempts.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ConfigReader } from "../../config-reader.js";
import type { PrepareContext } from "../../types.js";
import type { PrepareRule } from "./prepare-rule.js";

/** Packer 1.6.6's openstack Prepare: access config, image config, run config, then one last check. */
export const openstack: PrepareRule = (r, ctx) => {
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
