/**
 * Packer's amazon RunConfig (1.6.6): how the build instance is launched — source image, instance
 * type or spot request, network, key pair and groups, IAM instance profile, user data, run tags,
 * the communicator — with RunConfig.Prepare's defaults, checks and messages, in its order. Every
 * amazon builder that launches an instance (amazon-ebs, -ebsvolume, -ebssurrogate) reads it here.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { goType, type ConfigReader } from "../config-reader.js";
import { readCommunicatorConfig, type CommunicatorConfig } from "../communicator/ssh.js";
import { readRawStringMap, readSourceAmiFilter, type SourceAmiFilter } from "./amazon-common.js";
import type { PrepareContext } from "../types.js";
import { foldedView } from "../../template/key-fold.js";

/** temporary_iam_instance_profile_policy_document, in the shape (and key order) Packer sends to IAM. */
export interface PolicyDocument {
  Version: string;
  Statement: { Effect: string; Action: string[]; Resource: string[] }[];
}

export interface AmazonRunConfig {
  instanceType?: string;
  /** Spot: spot_instance_types instead of instance_type (CreateFleet picks one). */
  spotInstanceTypes: string[];
  /** "auto" (no maximum: the on-demand price caps it) or a maximum price; unset or "0" = on demand. */
  spotPrice?: string;
  /** Deprecated in 1.6.6 and unused: Packer only warns about it. */
  spotPriceAutoProduct?: string;
  /** Raw templates, rendered with the source AMI's data at run time (launch template tags). */
  spotTags: Record<string, string>;
  blockDurationMinutes: number;
  sourceAmi?: string;
  sourceAmiFilter?: SourceAmiFilter;
  subnetId?: string;
  vpcId?: string;
  availabilityZone?: string;
  /** EC2 filters (name → value) finding the VPC when vpc_id is not given: exactly one must match. */
  vpcFilter?: Record<string, string>;
  /** Finding the subnet when subnet_id is not given: one match, or the most free / a random one. */
  subnetFilter?: { filters: Record<string, string>; mostFree: boolean; random: boolean };
  /** Finding existing security groups (every match is used) instead of a temporary one. */
  securityGroupFilter?: Record<string, string>;
  associatePublicIpAddress?: boolean;
  iamInstanceProfile?: string;
  skipProfileValidation: boolean;
  temporaryIamInstanceProfilePolicyDocument?: PolicyDocument;
  /** Already read from user_data_file when that was given. */
  userData?: string;
  securityGroupIds: string[];
  temporarySecurityGroupSourceCidrs: string[];
  sshInterface: string;
  disableStopInstance: boolean;
  shutdownBehavior: "stop" | "terminate";
  ebsOptimized: boolean;
  enableT2Unlimited: boolean;
  tenancy?: string;
  /** Raw templates, rendered with the source AMI's data at run time. */
  runTags: Record<string, string>;
  /** How long to wait for EC2 to give a Windows instance's password (Packer's default 20 minutes). */
  windowsPasswordTimeoutMs: number;
  communicator: CommunicatorConfig;
}

const SSH_INTERFACES = ["public_ip", "private_ip", "public_dns", "private_dns", "session_manager"];

/**
 * RunConfig settings Kiln accepts (templates validate) but cannot run yet: Session Manager
 * tunnels. The agent's builders refuse a build that sets them, naming them.
 */
export function runKeysNotYetRun(r: ConfigReader, run: AmazonRunConfig): string[] {
  return [
    ...(run.sshInterface === "session_manager" ? ["ssh_interface session_manager"] : []),
    ...["pause_before_ssm", "session_manager_port"].filter((k) => r.has(k)),
  ];
}

/** Packer's IsSpotInstance: a spot_price other than "" and "0". */
export function isSpotInstance(c: Pick<AmazonRunConfig, "spotPrice">): boolean {
  return c.spotPrice !== undefined && c.spotPrice !== "" && c.spotPrice !== "0";
}

export function readAmazonRunConfig(r: ConfigReader, ctx: Pick<PrepareContext, "cwd" | "warn">): AmazonRunConfig {
  const windowsPasswordTimeoutMs = r.duration("windows_password_timeout", 0) || 20 * 60_000;
  const communicator = readCommunicatorConfig(r, { cwd: ctx.cwd });
  const ssh = communicator.type === "ssh" ? communicator.ssh : undefined;

  const sshInterface = r.string("ssh_interface", "");
  if (sshInterface !== "" && !SSH_INTERFACES.includes(sshInterface)) r.problem("ssh_interface", `Unknown interface type: ${sshInterface}`);
  const iamInstanceProfile = r.string("iam_instance_profile") || undefined;
  const policyDocument = readPolicyDocument(r);
  if (sshInterface === "session_manager") {
    if (communicator.type === "winrm") r.problem("ssh_interface", 'session_manager connectivity is not supported with the "winrm" communicator; please use "ssh"');
    if (!iamInstanceProfile && !policyDocument) {
      r.problem("ssh_interface", "no iam_instance_profile defined; session_manager connectivity requires a valid instance profile with AmazonSSMManagedInstanceCore permissions. Alternatively a temporary_iam_instance_profile_policy_document can be used.");
    }
  }
  const keyPairName = r.string("ssh_keypair_name", "");
  if (keyPairName !== "") {
    const privateKeyFile = r.string("ssh_private_key_file", "");
    if (communicator.type === "winrm" && !communicator.winrm.password && privateKeyFile === "") {
      r.problem("ssh_keypair_name", "ssh_private_key_file must be provided to retrieve the winrm password when using ssh_keypair_name.");
    } else if (privateKeyFile === "" && !(ssh?.agentAuth ?? r.bool("ssh_agent_auth"))) {
      r.problem("ssh_keypair_name", "ssh_private_key_file must be provided or ssh_agent_auth enabled when ssh_keypair_name is specified.");
    }
  }

  const sourceAmi = r.string("source_ami") || undefined;
  const sourceAmiFilter = readSourceAmiFilter(r);
  if (!sourceAmi && !sourceAmiFilter) r.problem("source_ami", "A source_ami or source_ami_filter must be specified");
  // Packer refuses an unowned filter (anyone can publish an AMI named like Ubuntu's), and says so
  // even when there is no filter at all.
  if (!sourceAmi && (sourceAmiFilter?.owners.length ?? 0) === 0) {
    r.problem("source_ami_filter", "For security reasons, your source AMI filter must declare an owner.");
  }

  const instanceType = r.string("instance_type") || undefined;
  const spotInstanceTypes = r.stringList("spot_instance_types");
  if (!instanceType && spotInstanceTypes.length === 0) r.problem("instance_type", "either instance_type or spot_instance_types must be specified");
  if (instanceType && spotInstanceTypes.length > 0) r.problem("spot_instance_types", "either instance_type or spot_instance_types must be specified, not both");
  const blockDurationMinutes = r.int("block_duration_minutes", 0);
  if (blockDurationMinutes % 60 !== 0) r.problem("block_duration_minutes", "block_duration_minutes must be multiple of 60");
  const spotPrice = r.string("spot_price") || undefined;
  if (r.value("spot_tags") !== undefined && r.value("spot_tags") !== null && !isSpotInstance({ spotPrice })) {
    r.problem("spot_tags", "spot_tags should not be set when not requesting a spot instance");
  }

  let userData = r.string("user_data") || undefined;
  const userDataFile = r.string("user_data_file") || undefined;
  if (userData && userDataFile) r.problem("user_data_file", "Only one of user_data or user_data_file can be specified.");
  else if (userDataFile) {
    try {
      userData = readFileSync(resolve(ctx.cwd, userDataFile), "utf8");
    } catch {
      r.problem("user_data_file", `user_data_file not found: ${userDataFile}`);
    }
  }

  const securityGroupId = r.string("security_group_id", "");
  let securityGroupIds = r.stringList("security_group_ids");
  if (securityGroupId !== "") {
    if (securityGroupIds.length > 0) r.problem("security_group_id", "Only one of security_group_id or security_group_ids can be specified.");
    else securityGroupIds = [securityGroupId];
  }
  const cidrs = r.stringList("temporary_security_group_source_cidrs");
  for (const c of cidrs) {
    if (!isCidr(c)) r.problem("temporary_security_group_source_cidrs", `Error parsing CIDR in temporary_security_group_source_cidrs: invalid CIDR address: ${c}`);
  }
  const shutdownBehavior = r.string("shutdown_behavior", "") || "stop";
  if (shutdownBehavior !== "stop" && shutdownBehavior !== "terminate") r.problem("shutdown_behavior", "shutdown_behavior only accepts 'stop' or 'terminate' values.");

  const enableT2Unlimited = r.bool("enable_t2_unlimited");
  if (enableT2Unlimited) {
    if (spotPrice) r.problem("enable_t2_unlimited", "Error: T2 Unlimited cannot be used in conjunction with Spot Instances");
    const type = instanceType ?? "";
    const dot = type.indexOf(".");
    if (dot === -1) r.problem("enable_t2_unlimited", `Error determining main Instance Type from: ${type}`);
    else if (type.slice(0, dot) !== "t2") r.problem("enable_t2_unlimited", `Error: T2 Unlimited enabled with a non-T2 Instance Type: ${type}`);
  }
  const tenancy = r.string("tenancy") || undefined;
  if (tenancy && !["default", "dedicated", "host"].includes(tenancy)) r.problem("tenancy", `Error: Unknown tenancy type ${tenancy}`);

  return {
    instanceType,
    spotInstanceTypes,
    spotPrice,
    spotPriceAutoProduct: spotPriceAutoProduct(r, ctx),
    spotTags: readRawStringMap(r, "spot_tags"),
    blockDurationMinutes,
    sourceAmi,
    sourceAmiFilter,
    subnetId: r.string("subnet_id") || undefined,
    vpcId: r.string("vpc_id") || undefined,
    availabilityZone: r.string("availability_zone") || undefined,
    vpcFilter: readFilterOption(r, "vpc_filter")?.filters,
    subnetFilter: readFilterOption(r, "subnet_filter"),
    securityGroupFilter: readFilterOption(r, "security_group_filter")?.filters,
    associatePublicIpAddress: r.has("associate_public_ip_address") ? r.bool("associate_public_ip_address") : undefined,
    iamInstanceProfile,
    skipProfileValidation: r.bool("skip_profile_validation"),
    ...(policyDocument ? { temporaryIamInstanceProfilePolicyDocument: policyDocument } : {}),
    userData,
    securityGroupIds,
    temporarySecurityGroupSourceCidrs: cidrs.length > 0 ? cidrs : ["0.0.0.0/0"],
    sshInterface: sshInterface || "public_ip",
    disableStopInstance: r.bool("disable_stop_instance"),
    shutdownBehavior: shutdownBehavior === "terminate" ? "terminate" : "stop",
    ebsOptimized: r.bool("ebs_optimized"),
    enableT2Unlimited,
    tenancy,
    runTags: readRawStringMap(r, "run_tags"),
    windowsPasswordTimeoutMs,
    communicator,
  };
}

/** Go's net.ParseCIDR, loosely: an IPv4 or IPv6 address, a slash and a prefix length in range. */
function isCidr(c: string): boolean {
  const m = /^([0-9a-fA-F.:]+)\/(\d{1,3})$/.exec(c);
  if (!m) return false;
  const bits = Number(m[2]);
  if (m[1]!.includes(":")) return bits <= 128;
  const parts = m[1]!.split(".");
  return bits <= 32 && parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/**
 * temporary_iam_instance_profile_policy_document: `{"Version": …, "Statement": [{"Effect", "Action",
 * "Resource"}]}`, decoded as mapstructure does (a lone string is a list, split on commas).
 */
function readPolicyDocument(r: ConfigReader): PolicyDocument | undefined {
  const key = "temporary_iam_instance_profile_policy_document";
  r.checkPackerType(key);
  const v = r.value(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    r.problem(key, `'${key}' expected a map, got '${goType(v)}'`);
    return undefined;
  }
  // The struct's keys are found as mapstructure finds them ("statement" is Statement).
  const o = foldedView(v as Record<string, unknown>);
  const list = (x: unknown): string[] => (Array.isArray(x) ? x.map(String) : typeof x === "string" && x !== "" ? x.split(",") : []);
  const statements = Array.isArray(o.Statement) ? o.Statement : o.Statement && typeof o.Statement === "object" ? [o.Statement] : [];
  return {
    Version: typeof o.Version === "string" ? o.Version : "",
    Statement: statements.map((s) => {
      const st = foldedView((s && typeof s === "object" ? s : {}) as Record<string, unknown>);
      return { Effect: typeof st.Effect === "string" ? st.Effect : "", Action: list(st.Action), Resource: list(st.Resource) };
    }),
  };
}

/**
 * vpc_filter, subnet_filter, security_group_filter: `{"filters": {"tag:Name": "build"}}` (plus
 * most_free/random for subnets). Undefined when absent or with no filters (Packer's Empty()).
 */
function readFilterOption(r: ConfigReader, key: string): { filters: Record<string, string>; mostFree: boolean; random: boolean } | undefined {
  const v = r.value(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    r.problem(key, `'${key}' expected a map, got '${goType(v)}'`);
    return undefined;
  }
  const o = foldedView(v as Record<string, unknown>);
  const filters: Record<string, string> = {};
  if (o.filters !== undefined && o.filters !== null) {
    if (typeof o.filters !== "object" || Array.isArray(o.filters)) r.problem(key, `'${key}.filters' expected a map of filter names to values`);
    else for (const [name, value] of Object.entries(o.filters)) filters[name] = String(value);
  }
  if (Object.keys(filters).length === 0) return undefined;
  const flag = (x: unknown): boolean => x === true || x === "true" || x === 1;
  return { filters, mostFree: flag(o.most_free), random: flag(o.random) };
}

/** Still read (Packer 1.6.6 does) but deprecated: Packer's builders warn about it. */
function spotPriceAutoProduct(r: ConfigReader, ctx: Pick<PrepareContext, "warn">): string | undefined {
  const value = r.string("spot_price_auto_product") || undefined;
  if (value) {
    ctx.warn?.("spot_price_auto_product is deprecated and no longer necessary for Packer builds. In future versions of " +
      "Packer, inclusion of spot_price_auto_product will error your builds. Please take a look at our current documentation to " +
      "understand how Packer requests Spot instances.");
  }
  return value;
}
