/**
 * Oracle: oracle-oci's credentials (template, ~/.oci/config or instance principals), shape,
 * subnet, image, tags and user data (builder/oracle/oci's Config in Packer v1.6.6), and
 * oracle-classic's required settings, names, attributes and persistent volume settings
 * (builder/oracle/classic's Config and PVConfig).
 */
import { createPrivateKey } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { readCommunicatorConfig } from "../../communicator/ssh.js";
import { goStatErrorIn } from "../../go-stat-error.js";
import { goReadFile, onlyProblem } from "./prepare-rule.js";
import type { PrepareRule } from "./prepare-rule.js";

/** pathing.ExpandUser for the current user: a leading "~/" is the home folder. */
function expandUser(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
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
export const oracleOci: PrepareRule = (r, ctx) => {
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
export const oracleClassic: PrepareRule = (r, ctx) => {
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
